"""Build, damage and write the demo entities one at a time.

Each entity is built from the clean columns of the ones it depends on, damaged, written, and
then shrunk to the columns later entities read (references, cross-entity rules), so at 1M
volunteers only one big entity is in memory at a time. Every entity draws from its own random
generator, so the order of the steps does not change a value: ``Entities`` gives the rows the
all-at-once generator gave (``bench/demo_files.py`` compares them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from vmsdq.demo import build, build_events, build_people
from vmsdq.demo.columns import US_PER_DAY
from vmsdq.demo.frame import Frame
from vmsdq.demo.inject_entity import inject_entity
from vmsdq.demo.manifest import DemoManifest
from vmsdq.demo.rules import TruthRule
from vmsdq.demo.write import as_text, release_memory, write_csv, write_parquet
from vmsdq.spec.models import EntitySpec, TransitionRule

FRAME_ORDER = [  # the order of frames handed to the truth and of the manifest's files
    "district", "school", "organization", "volunteer", "teacher", "student", "event",
    "participation",
]  # fmt: skip
KEPT = {  # columns later injections read once an entity is damaged and written (key first)
    "district": ("district_id",),
    "school": ("school_id", "district_id"),
    "organization": ("organization_id", "is_active"),
    "volunteer": ("volunteer_id", "status"),
    "teacher": ("teacher_id",),
    "student": ("student_id",),
    "participation": ("participation_id", "event_id", "status"),
}


@dataclass
class Entities:
    """One generation: builds, damages and writes every entity; ``keep`` keeps whole frames
    (the ground truth reads every column)."""

    project_dir: Path
    specs: dict[str, EntitySpec]
    rules: list[TruthRule]
    scale: float
    manifest: DemoManifest
    keep: bool = False
    malformed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    frames: dict[str, Frame] = field(default_factory=dict)  # damaged (shrunk unless keep)

    def run(self, sizes: build.Sizes, seed: int, now: int) -> tuple[dict[str, Frame], Frame]:
        """Every entity written; the frames (in ``FRAME_ORDER``) and yesterday's events."""

        def rng(name: str) -> np.random.Generator:
            return build.rng_for(seed, name)

        self.done(build.districts(sizes.district, rng("district"), now))
        school = build.schools(sizes.school, sizes.district, rng("school"), now)
        school = self.done(school, clean=tuple(school.columns))
        org = build.organizations(sizes.organization, rng("organization"), now)
        org = self.done(org, clean=("organization_id", "is_active"))
        vol = build_people.volunteers(sizes.volunteer, org, rng("volunteer"), now)
        vol = self.done(vol, clean=("volunteer_id", "status"))
        teacher = build_people.teachers(sizes.teacher, school, rng("teacher"), now)
        teacher.columns = {k: as_text(v) for k, v in teacher.columns.items()}
        teacher = self.done(teacher, clean=("teacher_id",))
        self.done(build_people.students(sizes.student, school, teacher, rng("student"), now))
        ev = build_events.events(sizes.event, org, school, rng("event"), now)
        self.frames["event"] = ev  # participations reference it before it is damaged
        part = build_events.participations(sizes.participation, ev, vol, rng("participation"),
                                           now)  # fmt: skip
        previous = previous_events(ev, self.specs["event"], rng("previous"))
        self.done(part)
        self.done(ev, previous=previous)
        self._write_previous(previous)
        _reorder(self.manifest)
        return {name: self.frames[name] for name in FRAME_ORDER}, previous

    def done(self, frame: Frame, *, clean: tuple[str, ...] = (), previous: Frame | None = None
             ) -> Frame:  # fmt: skip
        """Damage and write ``frame``; returns its ``clean`` columns as generated (what later
        builders read)."""
        before = Frame(frame.entity, {n: frame.col(n) for n in clean or (frame.key,)}, frame.rng)
        entity_rules = [r for r in self.rules if r.entity == frame.entity]
        found = inject_entity(frame, self.specs[frame.entity], entity_rules, self.scale,
                              self.frames, previous, self.manifest.uninjected)  # fmt: skip
        if found is not None:
            self.malformed = found
        self._write(frame)
        self.frames[frame.entity] = frame if self.keep else _shrunk(frame, KEPT.get(frame.entity))
        release_memory(frame.n)
        return before

    def _write(self, frame: Frame) -> None:
        entity = frame.entity
        src = self.specs[entity].sources["vms"]
        path = self.project_dir / "data" / (src.path or f"{entity}.parquet")
        if src.format == "csv" or path.suffix == ".csv":
            table = frame.table()
            text = {name: table.column(name).combine_chunks() for name in table.column_names}
            write_csv(text, self.malformed, path)
        else:
            write_parquet(frame.table(), path)
        self.manifest.files[entity] = path
        bad = len(self.malformed) if entity == "teacher" else 0
        self.manifest.rows[entity] = frame.n - bad

    def _write_previous(self, previous: Frame) -> None:
        src = self.specs["event"].sources["vms"]
        path = self.project_dir / "data" / (src.previous or "previous/event.parquet")
        write_parquet(previous.table().filter(pa.array(~previous.used)), path)
        self.manifest.files["event__previous"] = path


def _shrunk(frame: Frame, names: tuple[str, ...] | None) -> Frame:
    """``frame`` with only ``names`` (all when None) and the defect bookkeeping later steps
    and the manifest read (rows used and reserved, injected rows, table defects)."""
    if names is not None:
        frame.columns = {n: frame.col(n) for n in names}
        frame.pending.clear()
        frame.touched = {}
        frame.blank = {}
    return frame


def _reorder(manifest: DemoManifest) -> None:
    for mapping in (manifest.files, manifest.rows):
        order = {name: i for i, name in enumerate([*FRAME_ORDER, "event__previous"])}
        items = sorted(mapping.items(), key=lambda kv: order.get(kv[0], len(order)))
        mapping.clear()
        mapping.update(items)  # type: ignore[arg-type]


def previous_events(ev: Frame, spec: EntitySpec, rng: np.random.Generator) -> Frame:
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
