"""One validation run: read every entity, evaluate its rules, store and score the result.

The CLI, the API and the background workers all call :func:`run_project`.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vmsdq import snapshots as snapshot_store
from vmsdq.core.errors import ConfigError, VmsdqError
from vmsdq.core.results import EntityResult, RuleResult, RunResult
from vmsdq.core.words import Outcome

if TYPE_CHECKING:
    from vmsdq.checks.model import CompiledEntity
    from vmsdq.sources.base import Snapshot, Source
    from vmsdq.spec.models import EntitySpec, Project

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
            compiled.append(
                compile_entity(
                    project.entities[name],
                    project.entities,
                    source_file=project.entity_files.get(name, ""),
                    rule_locations=project.rule_locations,
                )
            )
        except VmsdqError as exc:
            broken.append(EntityResult(entity=name, rows=0, status="error", message=str(exc)))
    compiled += _reconciliation(project, selected)

    pushed: list[EntityResult] = []
    if not from_run:
        compiled, pushed = _pushdown(project, compiled, artifacts, failures_dir, started)
    if from_run:
        snapshots = snapshot_store.load(artifacts, from_run)
        missing = {c.name for c in compiled} - set(snapshots)
        read_errors = {name: f"run '{from_run}' holds no snapshot of '{name}'" for name in missing}
    else:
        snapshots, read_errors = _read_snapshots(project, compiled, artifacts, progress)
        if project.spec.store.keep_snapshots:
            snapshot_store.persist(snapshots, artifacts, run.run_id)
    runnable = [c for c in compiled if c.name not in read_errors]
    backend = DuckDBBackend.from_spec(project.spec.engine, root=root)
    results = backend.validate(
        runnable,
        snapshots,
        failures_dir=failures_dir,
        now=started,
        progress=progress,
    )
    by_name = {c.name: c for c in compiled}
    errored = [_errored(by_name[name], msg) for name, msg in read_errors.items() if name in by_name]
    run.entities = _merge(broken + errored + results + pushed, selected)
    run.finished_at = datetime.now(UTC) if now is None else started
    run.status = "completed"
    _store_and_score(project, run, store)
    return run


def _errored(entity: CompiledEntity, message: str) -> EntityResult:
    """An entity whose data could not be read: every one of its rules is an ``error``."""
    rules = [RuleResult.for_check(c, Outcome.error, message) for c in entity.checks]
    return EntityResult(entity=entity.name, rows=0, rules=rules, status="error", message=message)


def _pushdown(
    project: Project,
    compiled: list[CompiledEntity],
    artifacts: Path,
    failures_dir: Path,
    now: datetime,
) -> tuple[list[CompiledEntity], list[EntityResult]]:
    """Run in the SQL source's database what its capabilities allow (``engine.planner``).

    Returns what DuckDB still runs from the rows and the pushed results; a pushed result is
    named ``<entity>__pushdown`` when DuckDB runs the rest of that entity.
    """
    from vmsdq.engine.planner import push
    from vmsdq.engine.sql_backend import SqlBackend
    from vmsdq.sources.registry import get_source
    from vmsdq.sources.sql import SqlSource

    name = project.spec.default_source
    source = get_source(
        name, project.spec.sources[name], root=Path(project.root), artifacts=artifacts
    )
    if not isinstance(source, SqlSource) or not source.spec.pushdown:
        return compiled, []
    backend = SqlBackend.for_url(source.db.url)
    if backend is None:
        return compiled, []
    tables = source.tables(project.entities)
    remaining: list[CompiledEntity] = []
    pushed: list[EntityResult] = []
    for entity in compiled:
        outcome = push(entity, backend, tables, failures_dir=failures_dir, now=now)
        if outcome.result is not None:
            if outcome.remaining is not None:
                outcome.result.entity += "__pushdown"
            pushed.append(outcome.result)
        if outcome.remaining is not None:
            remaining.append(outcome.remaining)
    return remaining, pushed


def _reconciliation(project: Project, selected: list[str]) -> list[CompiledEntity]:
    """Compiled reconciliation checks for mirrored entities when the project pairs sources."""
    if not project.spec.reconcile.get(project.spec.default_source):
        return []
    from vmsdq.reconcile import compile_reconciliation

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
        for name in (main_name, mirror_name)
        if name is not None
    }
    wanted: dict[str, None] = {}
    for c in compiled:
        wanted[c.name] = None
        for need in c.needs:
            wanted[need] = None
    snapshots: dict[str, Snapshot] = {}
    errors: dict[str, str] = {}
    # Our own rows first: "<e>__reconcile" reuses them instead of reading the source again.
    for view in sorted(wanted, key=lambda v: "__" in v):
        base, _, suffix = view.partition("__")
        if suffix == "previous" or base not in project.entities:
            continue
        if suffix == "reconcile":
            if base in snapshots:
                # Same rows, but quarantined records are reported once, under the entity.
                snapshots[view] = dataclasses.replace(snapshots[base], rejects=[])
            else:
                errors[view] = errors.get(base, f"entity '{base}' could not be read")
            continue
        if progress:
            progress(view, "read")
        try:
            if suffix == "mirror" and mirror_name:
                snapshots[view] = _read_mirror(sources[mirror_name], project.entities[base])
            else:
                snapshots[view] = sources[main_name].read(project.entities[base])
        except VmsdqError as exc:
            errors[view] = str(exc)
    return snapshots, errors


def _read_mirror(source: Source, entity: EntitySpec) -> Snapshot:
    """The other system's rows under its own field names.

    Sources that also serve our own rows (files, SQL) offer ``read_mirror``; a source that only
    speaks the other system (Salesforce) returns its field names from ``read``.
    """
    read_mirror = getattr(source, "read_mirror", None)
    snap: Snapshot = read_mirror(entity) if read_mirror is not None else source.read(entity)
    return snap


def _merge(results: list[EntityResult], selected: list[str]) -> list[EntityResult]:
    """Fold helper results (``<e>__reconcile``, ``<e>__mirror``) into their entity's result.

    The entity's own result keeps its rows, status and failure file; helpers add their rules,
    and a helper's error is appended to the message (its rules carry outcome ``error``).
    """
    own = {r.entity: r for r in results if "__" not in r.entity}
    for r in results:
        base, sep, _ = r.entity.partition("__")
        if not sep or base not in selected:
            continue
        target = own.setdefault(base, EntityResult(entity=base, rows=r.rows, location=r.location))
        target.rules.extend(r.rules)
        if r.entity.endswith("__pushdown"):
            target.message = "; ".join(m for m in (target.message, r.message) if m)
        target.seconds += r.seconds
        if r.status == "error":
            target.message = "; ".join(m for m in (target.message, r.message) if m)
    return [own[n] for n in selected if n in own]


def _store_and_score(project: Project, run: RunResult, store: bool) -> None:
    """Save and score the run. A scoring config error leaves the results intact, unscored."""
    from vmsdq.scoring import persist_scores, score_run
    from vmsdq.store import ResultsStore

    try:
        if not store:
            run.scores = score_run(run, project.spec.scoring, project.entities)
            return
        with ResultsStore.open(None, tenant=project.spec.tenant, root=Path(project.root)) as db:
            db.save_run(run, project=project.spec.name)
            run.scores = persist_scores(db, run, project)
    except ConfigError as exc:
        run.scoring_error = str(exc)
