"""``generate_demo``: a deterministic VMS project with defects injected at known rates."""

from __future__ import annotations

import functools
import shutil
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from vmsdq.demo import build
from vmsdq.demo.frame import Frame
from vmsdq.demo.inject_entity import DEFECT_RATES
from vmsdq.demo.inject_rules import TABLE_KEY
from vmsdq.demo.manifest import DemoManifest
from vmsdq.demo.pipeline import FRAME_ORDER, Entities
from vmsdq.demo.rules import expand_project
from vmsdq.demo.truth import write_truth_file
from vmsdq.demo.write import release_memory
from vmsdq.spec.models import EntitySpec

TRUTH_DEFAULT_MAX_VOLUNTEERS = 20_000


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
    rules = expand_project(specs)
    if write_truth is None:
        write_truth = volunteers <= TRUTH_DEFAULT_MAX_VOLUNTEERS
    drop_stale_outputs(project_dir, specs)
    entities = Entities(project_dir, specs, rules, defect_scale, manifest, keep=write_truth)
    frames, previous = entities.run(build.Sizes.for_volunteers(volunteers), seed, now_us)
    manifest.injected = _injected_counts(frames, entities.malformed)
    if write_truth:
        write_truth_file(project_dir, frames, previous, specs, rules, entities.malformed, now,
                         manifest)  # fmt: skip
    del frames, previous, entities
    release_memory(manifest.total_rows)
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
    missing = set(FRAME_ORDER) - set(specs)
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


__all__ = ["DEFECT_RATES", "TABLE_KEY", "generate_demo", "install_pack"]
