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
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlglot import exp

from vmsdq.core import sealed_files
from vmsdq.core.words import FieldType
from vmsdq.core.workspace import Workspace
from vmsdq.reconcile import reference
from vmsdq.reconcile.mapping import MappedField, filters, mapped_fields, mirror_of
from vmsdq.reconcile.reference import text
from vmsdq.reconcile.salesforce_ids import canonical_id, is_salesforce_id, join_key
from vmsdq.spec.models import EntitySpec, Normalizer, Project

RATES = {"missing_sf": 0.03, "missing_vms": 0.03, "changed": 0.08, "format": 0.06, "deleted": 0.01}
IS_DELETED = "IsDeleted"  # records in the recycle bin: served by queryAll, not live
BLANK = " \t\r\n"
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
    for name in sorted(project.entities):
        entity = project.entities[name]
        if entity.mirror is None:
            continue
        rows = _read_vms(project, entity)
        copy = _Copy(entity, rows, random.Random(f"{seed}:{name}"), drift_scale)
        copy.build()
        target = entity.sources.get(mirror_source)
        path = out_dir / (target.path if target and target.path else f"{name}.parquet")
        _write_rows(path, copy.columns(), copy.sf_rows)
        truth.update(copy.truth)
    truth_file = Path(project.root) / "truth" / "truth.parquet"
    if truth_file.exists():  # large demos have no ground truth: the copy is written anyway
        _append_truth(truth_file, truth)
    return truth


def _read_vms(project: Project, entity: EntitySpec) -> list[Row]:
    """The VMS rows as the engine sees them (quarantined records are not part of it)."""

    from vmsdq.sources.registry import get_source

    name = project.spec.default_source
    with tempfile.TemporaryDirectory() as tmp:
        source = get_source(
            name,
            project.spec.sources[name],
            root=Path(project.root),
            workspace=Workspace.at(Path(tmp)),
        )
        snap = source.read(entity)
        rows: list[Row] = []
        for part in snap.parquet:
            rows += sealed_files.read_table(part).to_pylist()
    return rows


@dataclass
class _Copy:
    entity: EntitySpec
    rows: list[Row]
    rng: random.Random
    scale: float
    sf_rows: list[Row] = field(default_factory=list)
    unlinked: list[Row] = field(default_factory=list)  # records the VMS holds a damaged id of
    truth: dict[str, set[str]] = field(default_factory=dict)
    served: dict[str, str] = field(default_factory=dict)  # group key -> the Id the org serves

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
    def scope(self) -> exp.Expr | None:
        return filters(self.entity).ours

    @cached_property
    def filtered(self) -> set[str]:
        return _filter_columns(self.entity)

    @cached_property
    def constants(self) -> dict[str, str]:
        return _constant_columns(self.entity)

    def build(self) -> None:
        mirror = mirror_of(self.entity)
        self.truth = {
            self.rule(f"missing_in_{mirror.system}"): set(),
            self.rule("missing_in_vms"): set(),
        }
        self.truth |= {self.rule(m.ours): set() for m in self.fields}
        groups = self._servable(_groups(self.rows, mirror.match_on))
        key = self.entity.one_key("the demo")
        sf_by_id = {k: self._sf_row(self.served[k], rows[0]) for k, rows in groups.items()}
        self._duplicates(groups)
        candidates = sorted(
            (rows[0] for rows in groups.values() if len(rows) == 1 and self._in_scope(rows[0])),
            key=lambda r: str(r[key]),
        )
        self.rng.shuffle(candidates)
        counts = {k: self._amount(len(candidates), rate) for k, rate in RATES.items()}
        counts["deleted"] = round(len(candidates) * RATES["deleted"] * max(self.scale, 0))
        start = 0
        for kind in ("missing_sf", "changed", "format", "deleted"):
            picked = candidates[start : start + counts[kind]]
            start += counts[kind]
            for row in picked:
                self._drift(kind, row, sf_by_id[_group_key(row[mirror.match_on])])
        dropped = {_group_key(r[mirror.match_on]) for r in candidates[: counts["missing_sf"]]}
        self.sf_rows = [r for sid, r in sf_by_id.items() if sid not in dropped] + self.unlinked
        taken = set(groups) | {str(join_key(r[mirror.key])) for r in self.unlinked}
        self._extra_sf_rows(counts["missing_vms"], taken, candidates)

    def _servable(self, groups: dict[str, list[Row]]) -> dict[str, list[Row]]:
        """Groups whose id a real org can hold.

        A VMS value that is no Salesforce Id (a damaged copy) matches nothing: its records are
        missing in Salesforce, and the record it meant is there under its own Id, missing in
        the VMS.
        """
        missing = self.rule(f"missing_in_{mirror_of(self.entity).system}")
        match_on = mirror_of(self.entity).match_on
        out, taken = {}, set(groups)
        for k, rows in sorted(groups.items()):
            served = _served_id(rows[0], match_on)
            if served is not None:
                out[k] = rows
                self.served[k] = served
                continue
            self.truth[missing] |= {
                str(r[self.entity.one_key("the demo")]) for r in rows if self._in_scope(r)
            }
            sid = _new_salesforce_id(self.rng, taken)
            taken.add(str(join_key(sid)))
            self.unlinked.append(self._sf_row(sid, rows[0]))
            if self._in_scope(rows[0]):
                self.truth[self.rule("missing_in_vms")].add(sid)
        return out

    def _amount(self, n: int, rate: float) -> int:
        if self.scale <= 0 or n == 0:
            return 0
        return max(1, round(n * rate * self.scale)) if n >= 20 else 0

    def _in_scope(self, row: Row) -> bool:
        return True if self.scope is None else bool(reference.evaluate(self.scope, row))

    def _sf_row(self, sid: str, row: Row) -> Row:
        out: Row = {mirror_of(self.entity).key: sid}
        for m in self.fields:
            out[m.theirs] = _to_salesforce(row.get(m.ours), m)
        out.update(self.constants)
        out[IS_DELETED] = False
        return out

    def _drift(self, kind: str, row: Row, sf: Row) -> None:
        key = str(row[self.entity.one_key("the demo")])
        if kind in ("missing_sf", "deleted"):
            self.truth[self.rule(f"missing_in_{mirror_of(self.entity).system}")].add(key)
            sf[IS_DELETED] = kind == "deleted"
        elif kind == "changed":
            options = [m for m in self.fields if m.ours not in self.filtered]
            m = self.rng.choice(options)
            sf[m.theirs] = _changed(row.get(m.ours), m, self.rng)
            self.truth[self.rule(m.ours)].add(key)
        else:
            for m in self.fields:
                variant = _format_variant(row.get(m.ours), m)
                if variant is not None:
                    sf[m.theirs] = variant

    def _duplicates(self, groups: dict[str, list[Row]]) -> None:
        """VMS records sharing a Salesforce id all meet the one Salesforce record of the first."""
        missing = self.rule(f"missing_in_{mirror_of(self.entity).system}")
        for rows in groups.values():
            first, mirrored = rows[0], self._in_scope(rows[0])
            for other in rows[1:]:
                key = str(other[self.entity.one_key("the demo")])
                if not self._in_scope(other):
                    continue
                if not mirrored:
                    self.truth[missing].add(key)
                    continue
                for m in self.fields:
                    ours = reference.compared(other.get(m.ours), m)
                    if ours != reference.compared(first.get(m.ours), m):
                        self.truth[self.rule(m.ours)].add(key)

    def _extra_sf_rows(self, count: int, taken: set[str], candidates: list[Row]) -> None:
        if not candidates:
            return
        for _ in range(count):
            template = self.rng.choice(candidates)
            sid = _new_salesforce_id(self.rng, taken)
            taken.add(join_key(sid) or sid)
            self.sf_rows.append(self._sf_row(sid, template))
            self.truth[self.rule("missing_in_vms")].add(sid)


def _groups(rows: Iterable[Row], match_on: str) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        value = row.get(match_on)
        if value is None or not str(value).strip(BLANK):
            continue
        groups.setdefault(_group_key(value), []).append(row)
    return groups


def _group_key(value: Any) -> str:
    """The key reconcile joins on: the same Salesforce Id in any of its forms."""
    return str(join_key(_text(value)))


def _served_id(row: Row, match_on: str) -> str | None:
    """The Id a real org returns for this VMS value (18 characters), None if it is none."""
    sid = canonical_id(_text(row[match_on]))
    return sid if is_salesforce_id(sid) else None


def _text(value: Any) -> str:
    return str(text(value))


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
CHECKSUM = string.ascii_uppercase + "012345"


def _new_salesforce_id(rng: random.Random, taken: set[str]) -> str:
    """A fresh 18-character id with a valid case-safe checksum."""
    while True:
        short = "a0X" + "".join(rng.choice(BASE62) for _ in range(12))
        suffix = ""
        for chunk in range(3):
            bits = sum(
                1 << j for j, ch in enumerate(short[chunk * 5 : chunk * 5 + 5]) if ch.isupper()
            )
            suffix += CHECKSUM[bits]
        if join_key(short + suffix) not in taken:
            return short + suffix


def _write_rows(path: Path, columns: list[str], rows: list[Row]) -> None:
    import pyarrow as pa

    from vmsdq.demo.write import write_parquet

    data = {
        c: pa.array([r.get(c) for r in rows], type=pa.bool_() if c == IS_DELETED else pa.string())
        for c in columns
    }
    write_parquet(pa.table(data), path)


def _append_truth(path: Path, truth: dict[str, set[str]]) -> None:
    """Replace earlier reconciliation rows in the truth file, keep everything else."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from vmsdq.demo.write import write_parquet

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
