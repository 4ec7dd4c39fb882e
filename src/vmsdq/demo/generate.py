"""``generate_demo``: a deterministic VMS project with defects injected at known rates."""

from __future__ import annotations

import functools
import shutil
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from vmsdq.demo import build, build_events, build_people
from vmsdq.demo.columns import US_PER_DAY
from vmsdq.demo.frame import Frame
from vmsdq.demo.inject import inject_field_rule
from vmsdq.demo.inject_rules import TABLE_KEY, inject_written
from vmsdq.demo.manifest import DemoManifest
from vmsdq.demo.rules import TruthRule, expand_project
from vmsdq.demo.truth import write_truth_file
from vmsdq.demo.write import as_text, write_csv, write_parquet
from vmsdq.spec.models import EntitySpec, TransitionRule

DEFECT_RATES = {  # share of rows damaged per rule at defect_scale 1: a messy CRM
    "required": 0.20, "type": 0.12, "format": 0.20, "allowed": 0.12, "range": 0.10,
    "length": 0.08, "unique": 0.06, "references": 0.20, "reference": 0.15,
    "expression": 0.10, "aggregate": 0.18, "transition": 0.10, "parseable": 0.01,
    "row_count": 0.01, "json": 0.08, "monotonic": 0.03,
}  # fmt: skip
STALE_ENTITIES = ("school", "district")  # reference data whose sync stopped: freshness fails
INJECTION_ORDER = [
    "district", "school", "organization", "volunteer", "teacher", "student", "participation",
    "event",
]  # fmt: skip
TRUTH_DEFAULT_MAX_VOLUNTEERS = 20_000
MAX_RULE_SHARE = 0.4  # at most this share of an entity's rows is damaged for one rule
WHOLE_ROW_SHARE = 0.5  # at most this share is taken whole by rules reading several columns


def generate_demo(
    project_dir: Path,
    *,
    volunteers: int = 1000,
    seed: int = 42,
    defect_scale: float = 1.0,
    write_truth: bool | None = None,
    as_of: datetime | None = None,
    salesforce: bool | None = None,
) -> DemoManifest:
    """Write the VMS pack (when absent), demo data and (optionally) the ground truth.

    Args:
        project_dir: project folder; the pack is copied in when it has no ``vmsdq.yaml``.
        volunteers: size driver; other entities scale with it (1M -> about 5.35M rows).
        seed: same seed, same files.
        defect_scale: multiplies every defect rate (``DEFECT_RATES``; one rule damages at
            most 40 % of an entity's rows); 0 gives data on which every rule passes. The
            overall score is about 92 at 0.3, 82 at 1 and 68 at 3 (1,000 volunteers).
        write_truth: write ``truth/truth.parquet``; default when volunteers <= 20,000.
        as_of: "now" of the data (naive times are UTC); default: the current minute.
        salesforce: also write the drifted Salesforce-side copy (``salesforce/``) and, with
            the ground truth, its reconciliation truth; default: always (at every size the
            reconciliation rules need the other side).

    Returns:
        A DemoManifest with row counts, files, injected counts and the truth location.
    """
    started = time.perf_counter()
    if volunteers < 1:
        raise ValueError(f"volunteers must be at least 1, got {volunteers}")
    project_dir = Path(project_dir)
    install_pack(project_dir)
    specs = load_entity_specs(project_dir)
    now = _as_of(as_of)
    manifest = DemoManifest(project_dir, volunteers, seed, defect_scale, now)
    now_us = int(np.datetime64(now.replace(tzinfo=None), "us").astype(np.int64))
    frames, previous = _build(build.Sizes.for_volunteers(volunteers), seed, now_us, specs)
    rules = expand_project(specs)
    malformed = _inject_all(frames, previous, specs, rules, defect_scale, manifest)
    if write_truth is None:
        write_truth = volunteers <= TRUTH_DEFAULT_MAX_VOLUNTEERS
    _write_all(project_dir, frames, previous, specs, malformed, manifest, release=not write_truth)
    manifest.injected = _injected_counts(frames, malformed)
    drop_stale_outputs(project_dir, specs)
    if write_truth:
        write_truth_file(project_dir, frames, previous, specs, rules, malformed, now, manifest)
    if salesforce is None or salesforce:
        _salesforce_side(project_dir, manifest)
    manifest.seconds = time.perf_counter() - started
    return manifest


def drop_stale_outputs(project_dir: Path, specs: dict[str, EntitySpec]) -> None:
    """Remove truth and Salesforce files of an earlier generation: they describe other data."""
    (project_dir / "truth" / "truth.parquet").unlink(missing_ok=True)
    folder = project_dir / "salesforce"
    for spec in specs.values():
        mirror = spec.sources.get("salesforce")
        if mirror is not None and mirror.path:
            (folder / mirror.path).unlink(missing_ok=True)


def _salesforce_side(project_dir: Path, manifest: DemoManifest) -> None:
    """The Salesforce-side copy with drift, written by ``salesforce_copy`` (after the truth)."""
    from vmsdq.demo.salesforce_copy import write_salesforce_copy

    manifest.salesforce = write_salesforce_copy(
        project_dir, seed=manifest.seed, drift_scale=manifest.defect_scale
    )
    manifest.files["salesforce"] = project_dir / "salesforce"


def install_pack(project_dir: Path) -> None:
    """Copy the shipped VMS pack into ``project_dir`` unless it already has a vmsdq.yaml."""
    project_dir.mkdir(parents=True, exist_ok=True)
    if (project_dir / "vmsdq.yaml").exists():
        return
    pack = resources.files("vmsdq").joinpath("packs/vms")
    with resources.as_file(pack) as folder:
        shutil.copy(Path(folder) / "vmsdq.yaml", project_dir / "vmsdq.yaml")
        (project_dir / "entities").mkdir(exist_ok=True)
        for entity_file in sorted((Path(folder) / "entities").glob("*.yaml")):
            shutil.copy(entity_file, project_dir / "entities" / entity_file.name)


def load_entity_specs(project_dir: Path) -> dict[str, EntitySpec]:
    specs: dict[str, EntitySpec] = {}
    for path in sorted((project_dir / "entities").glob("*.yaml")):
        spec = EntitySpec.model_validate(_parsed(path.read_text(encoding="utf-8")))
        specs[spec.entity] = spec
    missing = set(INJECTION_ORDER) - set(specs)
    if missing:
        raise ValueError(
            f"{project_dir}: the demo needs the VMS entities, missing {sorted(missing)}"
        )
    return specs


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Any:
    """The YAML document ``text`` (parsed once per process: each simulated day reads the same
    entity files; the models are built from it anew, nothing changes it)."""
    return yaml.safe_load(text)


def _as_of(as_of: datetime | None) -> datetime:
    now = as_of or datetime.now(UTC).replace(second=0, microsecond=0)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now.replace(microsecond=0)


def _build(sizes: build.Sizes, seed: int, now: int, specs: dict[str, EntitySpec]
           ) -> tuple[dict[str, Frame], Frame]:  # fmt: skip
    def rng(name: str) -> np.random.Generator:
        return build.rng_for(seed, name)

    f: dict[str, Frame] = {}
    f["district"] = build.districts(sizes.district, rng("district"), now)
    f["school"] = build.schools(sizes.school, sizes.district, rng("school"), now)
    f["organization"] = build.organizations(sizes.organization, rng("organization"), now)
    f["volunteer"] = build_people.volunteers(
        sizes.volunteer, f["organization"], rng("volunteer"), now
    )
    f["teacher"] = build_people.teachers(sizes.teacher, f["school"], rng("teacher"), now)
    f["student"] = build_people.students(
        sizes.student, f["school"], f["teacher"], rng("student"), now
    )
    f["event"] = build_events.events(sizes.event, f["organization"], f["school"], rng("event"), now)
    f["participation"] = build_events.participations(
        sizes.participation, f["event"], f["volunteer"], rng("participation"), now
    )
    f["teacher"].columns = {k: as_text(v) for k, v in f["teacher"].columns.items()}
    return f, _previous_events(f["event"], specs["event"], build.rng_for(seed, "previous"))


def _previous_events(ev: Frame, spec: EntitySpec, rng: np.random.Generator) -> Frame:
    """Yesterday's events: same rows minus the newest, with statuses one step back."""
    allowed = next(r.allowed for r in spec.rules if isinstance(r, TransitionRule))
    status = np.asarray(ev.columns["status"].to_numpy(zero_copy_only=False)).astype(str)
    columns = dict(ev.columns)
    columns["status"] = pa.array(build_events.previous_statuses(status, allowed, rng))
    updated = ev.num("updated_at") - US_PER_DAY
    columns["updated_at"] = pa.array(updated.astype("datetime64[us]"))
    prev = Frame("event__previous", columns, rng)
    prev.used = rng.random(ev.n) < 0.05  # created since yesterday: not in the previous file
    return prev


def _count(n: int, kind: str, scale: float) -> int:
    """Rows to damage for one rule: ``n * rate * scale``, at least 1, at most 40 % of the rows
    (a unique rule damages two rows per injection, so at most 20 % pairs)."""
    if scale <= 0 or n <= 0:
        return 0
    per_injection = 2 if kind == "unique" else 1
    cap = max(1, int(n * MAX_RULE_SHARE) // per_injection)
    return min(cap, max(1, round(n * DEFECT_RATES.get(kind, 0.005) * scale)))


def _inject_all(frames: dict[str, Frame], previous: Frame, specs: dict[str, EntitySpec],
                rules: list[TruthRule], scale: float,
                manifest: DemoManifest) -> np.ndarray:  # fmt: skip
    """Inject every rule's defects; returns the teacher rows written as malformed lines."""
    malformed = np.zeros(0, dtype=np.int64)
    # rules that take whole rows first, then field rules (one defect per field and row)
    ordered = [r for r in rules if r.field is None] + [r for r in rules if r.field is not None]
    by_entity = {e: [r for r in ordered if r.entity == e] for e in INJECTION_ORDER}
    for entity in INJECTION_ORDER:
        frame = frames[entity]
        counts = _whole_row_budget(by_entity[entity], frame.n, scale)
        for rule in by_entity[entity]:
            k = counts[rule.name]
            if k == 0:
                continue
            if rule.kind == "parseable":
                malformed = frame.take_rows(k)
            elif rule.field is not None:
                inject_field_rule(frame, specs[entity], rule, k, frames)
            elif rule.kind == "transition":
                _inject_transition(frame, previous, rule, k)
            elif rule.table:
                _inject_table(frame, rule, k)
            elif not inject_written(rule.name, frame, k, frames):
                manifest.uninjected.append(rule.name)
        if entity == "volunteer" and scale > 0:
            _colliding_emails(frame)
    return malformed


def _whole_row_budget(rules: list[TruthRule], n: int, scale: float) -> dict[str, int]:
    """Rows to damage per rule; rules taking whole rows share at most half of the rows, so
    field rules (which need rows no whole-row defect holds) always find some."""
    counts = {r.name: _count(n, r.kind, scale) for r in rules}
    whole = [r for r in rules if r.field is None and r.kind != "freshness"]
    needed = sum(counts[r.name] * (2 if r.kind == "unique" else 1) for r in whole)
    budget = WHOLE_ROW_SHARE * n
    if needed > budget:
        for r in whole:
            counts[r.name] = max(1, int(counts[r.name] * budget / needed))
    return counts


def _colliding_emails(frame: Frame) -> None:
    """Two volunteers typed the same placeholder: a format failure that also duplicates."""
    from vmsdq.demo.inject import present

    rows = frame.take_rows(2, present(frame, "email"), ["email"])
    frame.set("email", rows, ["n/a"] * len(rows))
    frame.record("volunteer.email.format", rows)


def _inject_transition(ev: Frame, prev: Frame, rule: TruthRule, k: int) -> None:
    allowed: dict[str, list[str]] = rule.opts.allowed
    status = np.asarray(ev.col("status").to_numpy(zero_copy_only=False)).astype(str)
    rows = ev.take_rows(k, ~prev.used & np.isin(status, list(allowed)))
    old = []
    for i, row in enumerate(rows):
        new = status[row]
        illegal = [s for s in allowed if s != new and new not in allowed[s]]
        old.append(illegal[i % len(illegal)])
    prev.set("status", rows, old)
    ev.record(rule.name, rows)


def _inject_table(frame: Frame, rule: TruthRule, k: int) -> None:
    if rule.kind == "freshness" and frame.entity in STALE_ENTITIES:
        field = rule.opts.field
        frame.columns[field] = pc.subtract(frame.col(field), pa.scalar(timedelta(days=12)))
        frame.table_defects.add(rule.name)
    elif rule.kind == "row_count" and rule.opts.max is not None and rule.opts.where:
        rows = frame.take_rows(k)
        if len(rows) == 0:  # every row already carries a defect (very high defect scale)
            return
        names = frame.get("name", rows).to_pylist()
        frame.set("name", rows, [f"TEST {n}" for n in names])
        frame.table_defects.add(rule.name)
    elif rule.kind == "schema" and rule.opts.kind == "forbidden_columns":
        # the export started sending a column it must not (schema drift): text, all NULL
        frame.columns[rule.opts.spec.forbidden_columns[0]] = pa.nulls(frame.n, pa.string())
        frame.table_defects.add(rule.name)


def _write_all(project_dir: Path, frames: dict[str, Frame], previous: Frame,
               specs: dict[str, EntitySpec], malformed: np.ndarray, manifest: DemoManifest,
               release: bool = False) -> None:  # fmt: skip
    """Write every entity; with ``release`` drop each one's columns once written."""
    data = project_dir / "data"
    for entity, frame in frames.items():
        src = specs[entity].sources["vms"]
        path = data / (src.path or f"{entity}.parquet")
        if src.format == "csv" or path.suffix == ".csv":
            table = frame.table()
            text = {name: table.column(name).combine_chunks() for name in table.column_names}
            write_csv(text, malformed, path)
        else:
            write_parquet(frame.table(), path)
        manifest.files[entity] = path
        manifest.rows[entity] = frame.n - (len(malformed) if entity == "teacher" else 0)
        if release:
            frame.columns = {frame.key: frame.columns[frame.key]}
    prev_path = data / (specs["event"].sources["vms"].previous or "previous/event.parquet")
    write_parquet(previous.table().filter(pa.array(~previous.used)), prev_path)
    manifest.files["event__previous"] = prev_path


def _injected_counts(frames: dict[str, Frame], malformed: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = {}
    for frame in frames.values():
        for rule, parts in frame.injected.items():
            counts[rule] = counts.get(rule, 0) + int(sum(len(p) for p in parts))
        for rule in frame.table_defects:
            counts[rule] = 1
    if len(malformed):
        counts["teacher.record.parseable"] = len(malformed)
    return counts


__all__ = ["TABLE_KEY", "generate_demo", "install_pack"]
