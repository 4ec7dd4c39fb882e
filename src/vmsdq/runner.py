"""One validation run: read every entity, evaluate its rules, store and score the result.

The CLI, the API and the background workers all call :func:`run_project`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq import snapshots as snapshot_store
from vmsdq.engine.results import EntityResult, RunResult
from vmsdq.errors import ConfigError, VmsdqError

if TYPE_CHECKING:
    from vmsdq.checks.model import CompiledEntity
    from vmsdq.sources.base import Snapshot
    from vmsdq.spec.models import Project

Progress = Callable[[str, str], None]  # (entity, phase)


def new_run_id(now: datetime) -> str:
    """Sortable, unique run id: UTC timestamp plus a random suffix."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def select_entities(project: Project, names: Sequence[str] | None) -> list[str]:
    if not names:
        return list(project.entities)
    unknown = [n for n in names if n not in project.entities]
    if unknown:
        raise ConfigError(
            f"unknown entity {', '.join(map(repr, unknown))}; "
            f"the project declares: {', '.join(sorted(project.entities))}"
        )
    return list(names)


def run_project(
    root: Path | str,
    *,
    entities: Sequence[str] | None = None,
    store: bool = True,
    now: datetime | None = None,
    from_run: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Validate a project folder end to end and return the run (saved and scored when ``store``)."""
    from vmsdq.spec.loader import load_project

    project = load_project(root)
    return run_loaded_project(
        project, entities=entities, store=store, now=now, from_run=from_run, progress=progress
    )


def run_loaded_project(
    project: Project,
    *,
    entities: Sequence[str] | None = None,
    store: bool = True,
    now: datetime | None = None,
    from_run: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    from vmsdq.checks import compile_entity
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    root = Path(project.root)
    selected = select_entities(project, entities)
    started = now or datetime.now(UTC)
    run = RunResult(run_id=new_run_id(started), tenant=project.spec.tenant, started_at=started)
    artifacts = root / project.spec.store.artifacts
    failures_dir = artifacts / "runs" / run.run_id / "failures"
    failures_dir.mkdir(parents=True, exist_ok=True)

    compiled: list[CompiledEntity] = []
    broken: list[EntityResult] = []
    for name in selected:
        try:
            compiled.append(compile_entity(project.entities[name], project.entities))
        except VmsdqError as exc:
            broken.append(EntityResult(entity=name, rows=0, status="error", message=str(exc)))
    compiled += _reconciliation(project, selected)

    if from_run:
        snapshots = snapshot_store.load(artifacts, from_run)
        missing = {c.name for c in compiled} - set(snapshots)
        read_errors = {name: f"run '{from_run}' holds no snapshot of '{name}'" for name in missing}
    else:
        snapshots, read_errors = _read_snapshots(project, compiled, artifacts, progress)
        if project.spec.store.keep_snapshots:
            snapshot_store.persist(snapshots, artifacts, run.run_id)
    runnable = [c for c in compiled if c.name not in read_errors]
    backend = DuckDBBackend()
    results = backend.validate(
        runnable,
        snapshots,
        run_id=run.run_id,
        failures_dir=failures_dir,
        now=started,
        progress=progress,
    )
    errored = [
        EntityResult(entity=name, rows=0, status="error", message=msg)
        for name, msg in read_errors.items()
    ]
    run.entities = _merge(broken + errored + results, selected)
    run.finished_at = datetime.now(UTC) if now is None else started
    run.status = "completed"
    if store:
        _store_and_score(project, run)
    return run


def _reconciliation(project: Project, selected: list[str]) -> list[CompiledEntity]:
    """Compiled reconciliation checks for mirrored entities when the project pairs sources."""
    if not project.spec.reconcile.get(project.spec.default_source):
        return []
    try:
        from vmsdq.reconcile import compile_reconciliation
    except ImportError:
        return []
    out: list[CompiledEntity] = []
    for name in selected:
        entity = project.entities[name]
        if entity.mirror is not None:
            out.extend(compile_reconciliation(entity))
    return out


def _read_snapshots(
    project: Project,
    compiled: list[CompiledEntity],
    artifacts: Path,
    progress: Progress | None,
) -> tuple[dict[str, Snapshot], dict[str, str]]:
    """Read each needed entity once; a failing source marks only its entities as errors."""
    from vmsdq.sources.registry import get_source

    root = Path(project.root)
    main_name = project.spec.default_source
    mirror_name = project.spec.reconcile.get(main_name)
    sources = {
        name: get_source(name, project.spec.sources[name], root=root, artifacts=artifacts)
        for name in {main_name, mirror_name} - {None}
        if name is not None
    }
    wanted: dict[str, None] = {}
    for c in compiled:
        wanted[c.name] = None
        for need in c.needs:
            wanted[need] = None
    snapshots: dict[str, Snapshot] = {}
    errors: dict[str, str] = {}
    for view in wanted:
        base, _, suffix = view.partition("__")
        if suffix == "previous" or base not in project.entities:
            continue
        source = sources[mirror_name] if suffix == "mirror" and mirror_name else sources[main_name]
        if progress:
            progress(view, "read")
        try:
            snapshots[view] = _read_one(source, project, base, suffix)
        except VmsdqError as exc:
            errors[view] = str(exc)
    return snapshots, errors


def _read_one(source: object, project: Project, entity: str, suffix: str) -> Snapshot:
    spec = project.entities[entity]
    if suffix == "mirror":
        read_mirror = getattr(source, "read_mirror", None)
        if read_mirror is not None:
            snap: Snapshot = read_mirror(spec)
            return snap
    snap = source.read(spec)  # type: ignore[attr-defined]
    return snap


def _merge(results: list[EntityResult], selected: list[str]) -> list[EntityResult]:
    """Fold helper results (e.g. ``volunteer__mirror``) into their entity, in declared order."""
    by_name: dict[str, EntityResult] = {}
    for r in results:
        base = r.entity.split("__", 1)[0]
        if base not in selected:
            continue
        if base not in by_name:
            by_name[base] = r
            r.entity = base
            continue
        target = by_name[base]
        target.rules.extend(r.rules)
        if r.status == "error":
            target.message = "; ".join(m for m in (target.message, r.message) if m)
    return [by_name[n] for n in selected if n in by_name]


def _store_and_score(project: Project, run: RunResult) -> None:
    from vmsdq.store import ResultsStore

    results = ResultsStore.open(None, tenant=project.spec.tenant, root=Path(project.root))
    results.save_run(run)
    try:
        from vmsdq.scoring import persist_scores
    except ImportError:
        return
    persist_scores(results, run, project)
