"""Clean volunteers, students and teachers (Salesforce Contacts)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo import vocab as V
from vmsdq.demo.build import _updated, emails, people_names
from vmsdq.demo.columns import (
    US_PER_DAY,
    dates,
    null_out,
    padded_ids,
    phones,
    pick,
    postal_codes,
    salesforce_ids,
    timestamps,
)
from vmsdq.demo.frame import Frame

VOLUNTEER_STATUSES = ["Active", "Inactive", "Pending", "Do Not Contact"]
VOLUNTEER_STATUS_WEIGHTS = [0.7, 0.15, 0.1, 0.05]


def volunteers(n: int, orgs: Frame, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    first, last = people_names(rng, n)
    updated = _updated(rng, n, now)
    created = updated - rng.integers(0, US_PER_DAY * 3650, n)
    created_day = created // US_PER_DAY
    birth = created_day - rng.integers(18 * 366, 75 * 365, n)
    first_day = np.minimum(created_day + rng.integers(0, 60, n), now // US_PER_DAY)
    never = rng.random(n) < 0.15
    hours = np.where(never, 0.0, rng.integers(1, 1000, n) / 2)
    status = pick(rng, VOLUNTEER_STATUSES, n, VOLUNTEER_STATUS_WEIGHTS)
    active = np.asarray(pc.equal(status, "Active").to_numpy(zero_copy_only=False))
    other_bgc = pick(rng, V.BACKGROUND_STATUSES, n)
    bgc = null_out(pc.if_else(pa.array(active), "Cleared", other_bgc),
                   ~active & (rng.random(n) < 0.2))  # fmt: skip
    cleared = np.asarray(
        pc.fill_null(pc.equal(bgc, "Cleared"), False).to_numpy(zero_copy_only=False)
    )
    bgc_day = created_day - rng.integers(0, 30, n)
    active_orgs = np.flatnonzero(orgs.num("is_active", False))
    org_idx = active_orgs[rng.integers(0, len(active_orgs), n)]
    return Frame("volunteer", {
        "volunteer_id": padded_ids("V", i + 1, 8),
        "salesforce_id": salesforce_ids("003", i),
        "contact_type": pa.array(np.full(n, "Volunteer")),
        "first_name": first,
        "last_name": last,
        "email": emails(first, last, i + 1, pick(rng, V.EMAIL_DOMAINS, n)),
        "phone": null_out(phones(rng, n), rng.random(n) < 0.2),
        "mailing_city": pick(rng, V.CITIES, n),
        "mailing_state": pick(rng, V.STATES, n, V.STATE_WEIGHTS),
        "mailing_postal_code": null_out(postal_codes(rng, n), rng.random(n) < 0.05),
        "birthdate": null_out(dates(birth), rng.random(n) < 0.1),
        "organization_id": null_out(orgs.columns["organization_id"].take(pa.array(org_idx)),
                                    rng.random(n) < 0.4),  # fmt: skip
        "status": status,
        "background_check_status": bgc,
        "background_check_date": null_out(dates(bgc_day), ~cleared & (rng.random(n) < 0.5)),
        "first_volunteer_date": null_out(dates(first_day), never),
        "hours_logged": pa.array(hours),
        "created_at": timestamps(created),
        "updated_at": timestamps(updated),
    }, rng)  # fmt: skip


def students(n: int, schools: Frame, teachers: Frame, rng: np.random.Generator, now: int) -> Frame:
    i = np.arange(n)
    first, last = people_names(rng, n)
    school_idx = np.sort(rng.integers(0, schools.n, n))
    starts = np.searchsorted(school_idx, school_idx, side="left")
    local = 100_000 + (i - starts) * 7 + rng.integers(0, 7, n)
    grade = rng.integers(0, 13, n)
    enrolled = now // US_PER_DAY - rng.integers(0, 3 * 365, n)
    enrolled_year = enrolled.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    birth_year = enrolled_year - grade - rng.integers(5, 8, n)
    birth = birth_year.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    birth += rng.integers(0, 365, n)
    school_ids = schools.columns["school_id"].take(pa.array(school_idx))
    teacher_idx = rng.integers(0, teachers.n, n)
    return Frame("student", {
        "student_id": padded_ids("ST", i + 1, 8),
        "salesforce_id": salesforce_ids("003", i + 20_000_000, short_every=11),
        "contact_type": pa.array(np.full(n, "Student")),
        "local_student_id": padded_ids("", local, 6),
        "first_name": first,
        "last_name": last,
        "school_id": school_ids,
        "teacher_id": null_out(teachers.columns["teacher_id"].take(pa.array(teacher_idx)),
                               rng.random(n) < 0.25),  # fmt: skip
        "grade": pa.array(grade),
        "birthdate": null_out(dates(birth), rng.random(n) < 0.03),
        "gender": null_out(pick(rng, V.GENDERS, n, V.GENDER_WEIGHTS), rng.random(n) < 0.1),
        "email": null_out(emails(first, last, i + 1, "students.kcps.org"), rng.random(n) < 0.6),
        "parent_phone": null_out(phones(rng, n), rng.random(n) < 0.3),
        "enrolled_on": dates(enrolled),
        "updated_at": timestamps(_updated(rng, n, now)),
    }, rng)  # fmt: skip


def teachers(n: int, schools: Frame, rng: np.random.Generator, now: int) -> Frame:
    """Teachers with typed columns; the writer turns them into CSV text."""
    i = np.arange(n)
    first, last = people_names(rng, n)
    school_idx = rng.integers(0, schools.n, n)
    lo_s, hi_s = schools.num("low_grade")[school_idx], schools.num("high_grade")[school_idx]
    lo = lo_s + (rng.random(n) * (hi_s - lo_s + 1)).astype(np.int64)
    hi = lo + (rng.random(n) * (hi_s - lo + 1)).astype(np.int64)
    hire = now // US_PER_DAY - rng.integers(30, 40 * 365, n)
    return Frame("teacher", {
        "teacher_id": padded_ids("T", i + 1, 7),
        "salesforce_id": salesforce_ids("003", i + 40_000_000),
        "first_name": first,
        "last_name": last,
        "email": emails(first, last, i + 1, "kcpublicschools.org"),
        "phone": null_out(phones(rng, n), rng.random(n) < 0.3),
        "school_id": schools.columns["school_id"].take(pa.array(school_idx)),
        "district_id": schools.columns["district_id"].take(pa.array(school_idx)),
        "subject": pick(rng, V.SUBJECTS, n),
        "grade_level_low": pa.array(lo),
        "grade_level_high": pa.array(hi),
        "years_experience": null_out(pa.array(rng.integers(0, 41, n)), rng.random(n) < 0.1),
        "is_active": pa.array(rng.random(n) < 0.93),
        "hire_date": dates(hire),
        "updated_at": timestamps(_updated(rng, n, now)),
    }, rng)  # fmt: skip
