"""The Salesforce side of the demo: a copy of the VMS data with injected drift.

For every entity with a ``mirror:`` the VMS rows (``data/``) are copied under the
Salesforce field names into one Parquet file (``sources.<mirror source>.path``), then
drifted: records dropped on each side, field values changed, and case / whitespace /
phone-format / time-zone-only differences that the declared normalisers must ignore.
The ground truth of every reconciliation row rule is derived here in plain Python from what
was injected (and from VMS records sharing one Salesforce id), never by running SQL.
"""

from __future__ import annotations

import random
import string
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from vmsdq.core import sealed_files
from vmsdq.core.words import FieldType
from vmsdq.core.workspace import Workspace
from vmsdq.demo import salesforce_columns as columns
from vmsdq.demo.write import release_memory, write_parquet
from vmsdq.reconcile import reference
from vmsdq.reconcile.mapping import MappedField, filters, mapped_fields, mirror_of
from vmsdq.reconcile.reference import text
from vmsdq.reconcile.salesforce_ids import checksum, join_key
from vmsdq.spec.models import EntitySpec, Normalizer, Project

RATES = {"missing_sf": 0.03, "missing_vms": 0.03, "changed": 0.08, "format": 0.06, "deleted": 0.01}
ROWS_AT_ONCE = 20_000  # VMS rows turned into Python dicts at a time (drift reads a few fields)
IS_DELETED = "IsDeleted"  # records in the recycle bin: served by queryAll, not live
Row = dict[str, Any]


def write_salesforce_copy(
    project_dir: Path, *, seed: int, drift_scale: float = 1.0
) -> dict[str, set[str]]:
    """Write ``salesforce/`` and append reconciliation truth to ``truth/truth.parquet``.

    Args:
        project_dir: a project folder whose VMS data already exists (``vmsdq demo``).
        seed: makes the drift reproducible.
        drift_scale: multiplies the drift rates (0 = an exact copy).

    Returns:
        For every reconciliation row rule of every mirrored entity (also those without
        failures), the keys that must fail: VMS keys, Salesforce ids for missing_in_vms.
    """
    from vmsdq.spec.loader import load_project

    project = load_project(project_dir)
    mirror_source = project.spec.reconcile.get(project.spec.default_source)
    if mirror_source is None:
        return {}
    out_dir = Path(project.root) / str(getattr(project.spec.sources[mirror_source], "path", "."))
    truth: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.at(Path(tmp))
        for name in sorted(project.entities):
            entity = project.entities[name]
            if entity.mirror is None:
                continue
            table = _read_vms(project, entity, workspace)
            copy = _Copy(entity, table, random.Random(f"{seed}:{name}"), drift_scale)
            copy.build()
            target = entity.sources.get(mirror_source)
            path = out_dir / (target.path if target and target.path else f"{name}.parquet")
            write_parquet(copy.output(), path)
            truth.update(copy.truth)
            rows = table.num_rows
            del table, copy
            release_memory(rows)
    truth_file = Path(project.root) / "truth" / "truth.parquet"
    if truth_file.exists():  # large demos have no ground truth: the copy is written anyway
        _append_truth(truth_file, truth)
    return truth


def _read_vms(project: Project, entity: EntitySpec, workspace: Workspace) -> pa.Table:
    """The VMS rows as the engine sees them (quarantined records are not part of it)."""

    from vmsdq.sources.registry import get_source

    name = project.spec.default_source
    source = get_source(
        name, project.spec.sources[name], root=Path(project.root), workspace=workspace
    )
    snap = source.read(entity)
    parts = [sealed_files.read_table(part) for part in snap.parquet]
    if not parts:
        return pa.table({})
    return pa.concat_tables(parts, promote_options="permissive").combine_chunks()


@dataclass
class _Copy:
    """The Salesforce records of one entity: VMS rows by index, the Id each is served under,
    and the values drift changed."""

    entity: EntitySpec
    table: pa.Table
    rng: random.Random
    scale: float
    truth: dict[str, set[str]] = field(default_factory=dict)
    records: list[tuple[int, str, str | None]] = field(default_factory=list)  # in order:
    # (VMS row, Id, group key: None for records no VMS row links to)
    changes: dict[str, Row] = field(default_factory=dict)  # group key -> column -> value
    unlinked: list[tuple[int, str, str | None]] = field(default_factory=list)

    def rule(self, name: str) -> str:
        return f"{self.entity.entity}.reconcile.{name}"

    def columns(self) -> list[str]:
        mirror = mirror_of(self.entity)
        extra = sorted(_constant_columns(self.entity))
        names = [mirror.key] + [m.theirs for m in self.fields] + extra + [IS_DELETED]
        return list(dict.fromkeys(names))

    @cached_property
    def fields(self) -> list[MappedField]:
        return mapped_fields(self.entity)

    @cached_property
    def filtered(self) -> set[str]:
        return _filter_columns(self.entity)

    @cached_property
    def constants(self) -> dict[str, str]:
        return _constant_columns(self.entity)

    @cached_property
    def key_column(self) -> pa.Array:
        return columns.column(self.table, self.entity.one_key("the demo"))

    def key(self, i: int) -> str:
        """``str`` of row ``i``'s key (a truth's VMS key)."""
        return str(self.key_column[i].as_py())

    def by_key(self, rows: list[int]) -> list[int]:
        """``rows`` sorted (stably) by ``key``, without a Python string per row."""
        if not columns.is_text(self.key_column):
            return sorted(rows, key=self.key)
        texts = pc.fill_null(self.key_column.cast(pa.string()), "None")  # str(None)
        order = pc.sort_indices(texts.take(pa.array(rows, type=pa.int64())))  # stable
        return [rows[j] for j in order.to_pylist()]

    @cached_property
    def mirrored(self) -> list[bool]:
        """Per row: inside the mirror filter (our side)."""
        scope = filters(self.entity).ours
        if scope is None:
            return [True] * self.table.num_rows
        inside = columns.in_scope(
            self.table, self.filtered, lambda row: bool(reference.evaluate(scope, row))
        )
        return [bool(x) for x in inside.tolist()]

    def rows_at(self, indices: Iterable[int]) -> dict[int, Row]:
        """The VMS rows at ``indices`` as Python values (what drift and duplicates compare)."""
        wanted = sorted(set(indices))
        rows = self.table.take(pa.array(wanted, type=pa.int64())).to_pylist() if wanted else []
        return dict(zip(wanted, rows, strict=True))

    def build(self) -> None:
        mirror = mirror_of(self.entity)
        self.truth = {
            self.rule(f"missing_in_{mirror.system}"): set(),
            self.rule("missing_in_vms"): set(),
        }
        self.truth |= {self.rule(m.ours): set() for m in self.fields}
        keys, served = columns.match_keys(columns.column(self.table, mirror.match_on))
        release_memory(self.table.num_rows)  # the Arrow temporaries of the key matching
        groups = _groups(keys)
        self._servable(groups, served)
        del served
        self._duplicates(groups)
        mirrored = self.mirrored
        singles = [i for i, _, k in self.records if k not in groups.more and mirrored[i]]
        candidates = self.by_key(singles)
        self.rng.shuffle(candidates)
        counts = {k: self._amount(len(candidates), rate) for k, rate in RATES.items()}
        counts["deleted"] = round(len(candidates) * RATES["deleted"] * max(self.scale, 0))
        start = 0
        picks = {}
        for kind in ("missing_sf", "changed", "format", "deleted"):
            picks[kind] = candidates[start : start + counts[kind]]
            start += counts[kind]
        for kind, picked in picks.items():
            for start in range(0, len(picked), ROWS_AT_ONCE):  # rows as Python dicts: in parts
                part = picked[start : start + ROWS_AT_ONCE]
                vms = self.rows_at(part) if kind in ("changed", "format") else {}
                for i in part:
                    self._drift(kind, i, vms.get(i), self.changes.setdefault(str(keys[i]), {}))
        dropped = {keys[i] for i in candidates[: counts["missing_sf"]]}
        self.records = [r for r in self.records if r[2] not in dropped] + self.unlinked
        taken = _Taken(groups, {str(join_key(sid)) for _, sid, _ in self.unlinked})
        self._extra_sf_rows(counts["missing_vms"], taken, candidates)

    def _servable(self, groups: _Groups, served: list[str | None]) -> None:
        """The records of the groups whose id a real org can hold, in the order of their group
        keys; the other groups are dropped from ``groups``.

        A VMS value that is no Salesforce Id (a damaged copy) matches nothing: its records are
        missing in Salesforce, and the record it meant is there under its own Id, missing in
        the VMS.
        """
        missing = self.rule(f"missing_in_{mirror_of(self.entity).system}")
        taken = _Taken(groups, set())
        key, mirrored = self.key, self.mirrored
        unservable = []
        for k in sorted(groups.first):
            rows = groups.rows(k)
            sid = served[rows[0]]
            if sid is not None:
                self.records.append((rows[0], sid, k))
                continue
            unservable.append(k)
            self.truth[missing] |= {key(i) for i in rows if mirrored[i]}
            new = _new_salesforce_id(self.rng, taken)
            taken.add(str(join_key(new)))
            self.unlinked.append((rows[0], new, None))
            if mirrored[rows[0]]:
                self.truth[self.rule("missing_in_vms")].add(new)
        for k in unservable:
            groups.drop(k)

    def _amount(self, n: int, rate: float) -> int:
        if self.scale <= 0 or n == 0:
            return 0
        return max(1, round(n * rate * self.scale)) if n >= 20 else 0

    def _drift(self, kind: str, i: int, row: Row | None, sf: Row) -> None:
        if kind in ("missing_sf", "deleted"):
            self.truth[self.rule(f"missing_in_{mirror_of(self.entity).system}")].add(self.key(i))
            sf[IS_DELETED] = kind == "deleted"
            return
        assert row is not None
        if kind == "changed":
            options = [m for m in self.fields if m.ours not in self.filtered]
            m = self.rng.choice(options)
            sf[m.theirs] = _changed(row.get(m.ours), m, self.rng)
            self.truth[self.rule(m.ours)].add(self.key(i))
            return
        for m in self.fields:
            variant = _format_variant(row.get(m.ours), m)
            if variant is not None:
                sf[m.theirs] = variant

    def _duplicates(self, groups: _Groups) -> None:
        """VMS records sharing a Salesforce id all meet the one Salesforce record of the first."""
        missing = self.rule(f"missing_in_{mirror_of(self.entity).system}")
        shared = list(groups.more.values())
        vms = self.rows_at(i for rows in shared for i in rows)
        for rows in shared:
            first, mirrored = vms[rows[0]], self.mirrored[rows[0]]
            for i in rows[1:]:
                if not self.mirrored[i]:
                    continue
                if not mirrored:
                    self.truth[missing].add(self.key(i))
                    continue
                for m in self.fields:
                    ours = reference.compared(vms[i].get(m.ours), m)
                    if ours != reference.compared(first.get(m.ours), m):
                        self.truth[self.rule(m.ours)].add(self.key(i))

    def _extra_sf_rows(self, count: int, taken: _Taken, candidates: list[int]) -> None:
        if not candidates:
            return
        for _ in range(count):
            template = self.rng.choice(candidates)
            sid = _new_salesforce_id(self.rng, taken)
            taken.add(join_key(sid) or sid)
            self.records.append((template, sid, None))
            self.truth[self.rule("missing_in_vms")].add(sid)

    def output(self) -> pa.Table:
        """The Salesforce records as a table: every column text, ``IsDeleted`` boolean."""
        rows = pa.array([i for i, _, _ in self.records], type=pa.int64())
        ids = pa.array([sid for _, sid, _ in self.records], type=pa.string())
        data: dict[str, pa.Array] = {mirror_of(self.entity).key: ids}
        for m in self.fields:
            values = columns.column(self.table, m.ours)
            labels = {ours: theirs for theirs, ours in m.values.items()}
            sf = columns.salesforce_text(values, labels, partial(_to_salesforce, m=m))
            data[m.theirs] = sf.take(rows)
        for name, value in self.constants.items():
            data[name] = pa.array([value] * len(self.records), type=pa.string())
        data[IS_DELETED] = pa.array(np.zeros(len(self.records), dtype=bool))
        changes = [(j, self.changes[k]) for j, (_, _, k) in enumerate(self.records)
                   if k is not None and k in self.changes]  # fmt: skip
        for name in list(data):
            changed = {j: c[name] for j, c in changes if name in c}
            if changed:
                data[name] = _replaced(data[name], changed)
        return pa.table({c: data[c] for c in self.columns()})


def _replaced(arr: pa.Array, changed: dict[int, Any]) -> pa.Array:
    mask = np.zeros(len(arr), dtype=bool)
    order = sorted(changed)
    mask[order] = True
    values = pa.array([changed[j] for j in order], type=arr.type)
    return pc.replace_with_mask(arr, pa.array(mask), values)


@dataclass
class _Taken:
    """Group keys in use: those of ``groups`` and the ``added`` ones (no copy of the keys)."""

    groups: _Groups
    added: set[str]

    def __contains__(self, key: object) -> bool:
        return key in self.groups or key in self.added

    def add(self, key: str) -> None:
        self.added.add(key)


@dataclass
class _Groups:
    """Row indices by group key: the first row of every group (in the order keys first
    appear) and all rows of the groups of several; no list per row (2.5M at 1M volunteers)."""

    first: dict[str, int]
    more: dict[str, list[int]]

    def __contains__(self, key: object) -> bool:
        return key in self.first

    def rows(self, key: str) -> list[int]:
        return self.more.get(key) or [self.first[key]]

    def drop(self, key: str) -> None:
        del self.first[key]
        self.more.pop(key, None)


def _groups(keys: list[str | None]) -> _Groups:
    """Row indices by group key (the same Salesforce Id in any of its forms), in the order
    the keys first appear; rows without a key are in no group."""
    first: dict[str, int] = {}
    more: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            j = first.setdefault(key, i)
            if j != i:
                more.setdefault(key, [j]).append(i)
    return _Groups(first, more)


def _constant_columns(entity: EntitySpec) -> dict[str, str]:
    """Columns of a filter like ``Contact_Type__c = 'Volunteer'`` that are not mapped."""
    mirror = mirror_of(entity)
    if not mirror.where:
        return {}
    import sqlglot

    mapped = {m.theirs for m in mapped_fields(entity)}
    out: dict[str, str] = {}
    for eq in sqlglot.parse_one(mirror.where, read="duckdb").find_all(exp.EQ):
        column, value = eq.this, eq.expression
        literal = isinstance(column, exp.Column) and isinstance(value, exp.Literal)
        if literal and column.name not in mapped:
            out[column.name] = value.this
    return out


def _filter_columns(entity: EntitySpec) -> set[str]:
    """Our fields the mirror filter reads: never drifted, so scopes stay as generated."""
    ours = filters(entity).ours
    return {c.name for c in ours.find_all(exp.Column)} if ours is not None else set()


def _to_salesforce(value: Any, m: MappedField) -> str | None:
    """A VMS value as Salesforce would hold it (picklist label, ISO timestamps)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment: datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="microseconds") + "+00:00"
    plain = str(text(value))
    labels = {ours: theirs for theirs, ours in m.values.items()}
    return labels.get(plain, plain) or None  # Salesforce stores no empty text


def _format_variant(value: Any, m: MappedField) -> str | None:
    """The same value written differently; normalisation must make it equal again."""
    plain = _to_salesforce(value, m)
    if plain is None or m.values:
        return None
    steps = set(m.normalize)
    variant = plain
    if Normalizer.e164 in steps:
        number = reference.e164(plain)
        if number is None or len(number) != 12 or not number.startswith("+1"):
            return None
        variant = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    elif Normalizer.utc in steps and isinstance(value, datetime):
        shifted = _to_salesforce(value, m)
        local = datetime.fromisoformat(str(shifted)) - timedelta(hours=5)
        variant = local.replace(tzinfo=None).isoformat() + "-05:00"
    elif Normalizer.date in steps and isinstance(value, date):
        variant = f"{value.isoformat()[:10]}T00:00:00.000+0000"
    else:
        if Normalizer.lower in steps:
            variant = variant.upper()
        elif Normalizer.upper in steps:
            variant = variant.lower()
        if Normalizer.trim in steps:
            variant = f"  {variant} "
    if variant == plain or reference.compared(variant, m) != reference.compared(value, m):
        return None
    return variant


def _changed(value: Any, m: MappedField, rng: random.Random) -> str:
    """A value that differs from ``value`` after normalisation."""
    before = reference.compared(value, m)
    for _ in range(20):
        candidate = _candidate(value, m, rng)
        if reference.compared(candidate, m) != before:
            return candidate
    raise AssertionError(f"cannot change {value!r} of {m.ours}")  # unreachable in practice


def _candidate(value: Any, m: MappedField, rng: random.Random) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(7))
    if Normalizer.e164 in m.normalize or Normalizer.digits in m.normalize:
        return f"+1555{digits}"
    if m.type in (FieldType.integer, FieldType.number):
        base = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        return str(base + rng.randint(1, 9))
    if m.type is FieldType.boolean:
        return "false" if value is True else "true"
    if m.type is FieldType.date:
        day = value if isinstance(value, date) else date(2020, 1, 1)
        return (day + timedelta(days=rng.randint(1, 30))).isoformat()[:10]
    if m.type is FieldType.timestamp:
        moment = value if isinstance(value, datetime) else datetime(2020, 1, 1)
        return str(_to_salesforce(moment + timedelta(hours=rng.randint(1, 48)), m))
    return f"{value or ''} {rng.choice(['Smith', 'Updated', 'Changed', 'Old'])}{digits[:2]}"


BASE62 = string.ascii_letters + string.digits


def _new_salesforce_id(rng: random.Random, taken: _Taken) -> str:
    """A fresh 18-character id with a valid case-safe checksum."""
    while True:
        short = "a0X" + _base62(rng, 12)
        sid = short + checksum(short)
        if sid.upper() not in taken:  # join_key of an 18-character Id
            return sid


def _base62(rng: random.Random, size: int) -> str:
    """``"".join(rng.choice(BASE62) for _ in range(size))``, drawing the same random bits
    (``Random.choice`` of 62 draws 6 bits until they are below 62) with fewer calls."""
    bits = rng.getrandbits
    out = []
    for _ in range(size):
        r = bits(6)
        while r >= len(BASE62):
            r = bits(6)
        out.append(BASE62[r])
    return "".join(out)


def _append_truth(path: Path, truth: dict[str, set[str]]) -> None:
    """Replace earlier reconciliation rows in the truth file, keep everything else."""
    import pyarrow.parquet as pq

    rows = sorted((rule, key) for rule, keys in truth.items() for key in keys)
    ours = pa.table(
        {"rule": [r for r, _ in rows], "key": [k for _, k in rows]},
        schema=pa.schema([("rule", pa.string()), ("key", pa.string())]),
    )
    if path.exists():
        old = pq.read_table(path)
        keep = pc.invert(pc.match_substring(old.column("rule").cast(pa.string()), ".reconcile."))
        old = old.filter(keep)
        ours = pa.concat_tables([old, ours], promote_options="permissive")
    write_parquet(ours, path)
