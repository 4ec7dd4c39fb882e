"""Clean demo data: every rule of the VMS pack passes on what these builders return."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo import vocab as V
from vmsdq.demo.columns import (
    US_PER_DAY,
    US_PER_MIN,
    join,
    null_out,
    padded_ids,
    phones,
    pick,
    postal_codes,
    salesforce_ids,
    timestamps,
)
from vmsdq.demo.frame import Frame


@dataclass(frozen=True)
class Sizes:
    volunteer: int
    organization: int
    event: int
    participation: int
    student: int
    teacher: int
    school: int
    district: int

    @classmethod
    def for_volunteers(cls, v: int) -> Sizes:
        return cls(
            volunteer=v,
            organization=max(40, round(v * 0.15)),
            event=max(60, round(v * 0.10)),
            participation=round(v * 2.5),
            student=max(200, round(v * 1.2)),
            teacher=max(120, round(v * 0.4)),
            school=max(80, round(v * 0.002)),
            district=max(30, round(v * 0.0002)),
        )


def rng_for(seed: int, entity: str) -> np.random.Generator:
    return np.random.default_rng([seed, sum(entity.encode())])


def _updated(rng: np.random.Generator, n: int, now: int, max_days: int = 90) -> np.ndarray:
    """Last-modified stamps: up to ``max_days`` old, every 5th row within the last day."""
    age = rng.integers(US_PER_MIN * 60, US_PER_DAY * max_days, n)
    age[::5] = rng.integers(US_PER_MIN, US_PER_DAY // 2, len(age[::5]))
    return (now - age) // 1_000_000 * 1_000_000


def districts(n: int, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    city = pick(rng, V.CITIES, n)
    return Frame("district", {
        "district_id": padded_ids("D", i + 1, 5),
        "salesforce_id": salesforce_ids("001", i),
        "name": join(city, " School District ", padded_ids("R-", i + 1, 1)),
        "state": pick(rng, V.STATES, n, V.STATE_WEIGHTS),
        "phone": phones(rng, n),
        "website": join("https://www.district", padded_ids("", i + 1, 1), ".k12.mo.us"),
        "updated_at": timestamps(_updated(rng, n, now)),
    }, rng)  # fmt: skip


def schools(n: int, n_districts: int, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    kinds = pick(rng, V.SCHOOL_KINDS, n, V.SCHOOL_KIND_WEIGHTS)
    lo = pc.case_when(
        _kind_struct(kinds), *[pa.scalar(V.SCHOOL_GRADES[k][0]) for k in V.SCHOOL_KINDS]
    )
    hi = pc.case_when(
        _kind_struct(kinds), *[pa.scalar(V.SCHOOL_GRADES[k][1]) for k in V.SCHOOL_KINDS]
    )
    suffix = pc.case_when(_kind_struct(kinds), *[V.SCHOOL_NAME_SUFFIX[k] for k in V.SCHOOL_KINDS])
    base = pa.array(V.LAST_NAMES).take(pa.array(i % len(V.LAST_NAMES)))
    rank = pc.if_else(pa.array(i < len(V.LAST_NAMES)), "",
                      padded_ids(" ", i // len(V.LAST_NAMES) + 1, 1))  # fmt: skip
    return Frame("school", {
        "school_id": padded_ids("S", i + 1, 5),
        "salesforce_id": salesforce_ids("001", i + 10_000),
        "name": join(base, " ", suffix, rank),
        "district_id": padded_ids("D", i % n_districts + 1, 5),
        "school_type": kinds,
        "low_grade": lo.cast(pa.int64()),
        "high_grade": hi.cast(pa.int64()),
        "enrollment": pa.array(rng.integers(120, 2800, n)),
        "phone": phones(rng, n),
        "postal_code": postal_codes(rng, n),
        "updated_at": timestamps(_updated(rng, n, now)),
    }, rng)  # fmt: skip


def _kind_struct(kinds: pa.Array) -> pa.Array:
    return pc.make_struct(*[pc.equal(kinds, k) for k in V.SCHOOL_KINDS[:-1]])


def organizations(n: int, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    word = pa.array(V.COMPANY_WORDS).take(pa.array(i % len(V.COMPANY_WORDS)))
    kind = pa.array(V.COMPANY_SUFFIXES).take(
        pa.array((i // len(V.COMPANY_WORDS)) % len(V.COMPANY_SUFFIXES))
    )
    cycle = len(V.COMPANY_WORDS) * len(V.COMPANY_SUFFIXES)
    rank = pc.if_else(pa.array(i < cycle), "", padded_ids(" ", i // cycle + 1, 1))
    name = join(word, " ", kind, rank)
    slug = pc.utf8_lower(pc.replace_substring(name, " ", ""))
    updated = _updated(rng, n, now)
    created = updated - rng.integers(0, US_PER_DAY * 1500, n)
    return Frame("organization", {
        "organization_id": padded_ids("O", i + 1, 7),
        "salesforce_id": salesforce_ids("001", i + 100_000, short_every=9),
        "name": name,
        "org_type": pick(rng, V.ORG_TYPES, n, V.ORG_TYPE_WEIGHTS),
        "industry": null_out(pick(rng, V.INDUSTRIES, n), rng.random(n) < 0.2),
        "email": null_out(join("info@", slug, ".org"), rng.random(n) < 0.3),
        "phone": null_out(phones(rng, n), rng.random(n) < 0.1),
        "website": null_out(join("https://www.", slug, ".com"), rng.random(n) < 0.25),
        "postal_code": postal_codes(rng, n),
        "employee_count": null_out(pa.array(rng.integers(3, 25_000, n)), rng.random(n) < 0.2),
        "is_active": pa.array(rng.random(n) < 0.9),
        "created_at": timestamps(created),
        "updated_at": timestamps(updated),
    }, rng)  # fmt: skip


def people_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    return pick(rng, V.FIRST_NAMES, n), pick(rng, V.LAST_NAMES, n)


def emails(first: pa.Array, last: pa.Array, i: np.ndarray, domain: pa.Array | str) -> pa.Array:
    local = pc.utf8_lower(join(first, ".", last, padded_ids("", i, 1)))
    return join(local, "@", domain)
