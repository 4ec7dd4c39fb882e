"""The rule editor: an entity file's new text validated, its changed rules previewed on the
newest run's snapshots, then saved.

Validation loads the whole project with the new text in place (in a scratch copy of its YAML
files), so references to other entities are checked too; problems carry the line and column
in the entity's file. Nothing is written until :func:`save_entity`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmsdq.checks import compile_entity
from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core import sealing
from vmsdq.core.errors import ConfigError, ConfigErrors, NotFoundError
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import RunStatus, ViewRef, ViewRole
from vmsdq.reconcile import compile_reconciliation
from vmsdq.services import audit
from vmsdq.services.context import Context, load
from vmsdq.services.lookup import summary
from vmsdq.services.plan import EntityPlan, plan_run
from vmsdq.spec.models import Project

PREVIEW_ROWS = 20
MAX_TEXT = 200_000


@dataclass(frozen=True)
class Problem:
    message: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class RulePreview:
    """A changed rule run on the newest snapshot: its counts and first failing rows."""

    rule: str
    description: str
    evaluated: int
    failed: int
    outcome: str
    message: str
    failures: list[dict[str, Any]] = field(default_factory=list)  # key and offending values


@dataclass(frozen=True)
class EditPreview:
    entity: str
    valid: bool
    problems: list[Problem]
    changed: list[str]  # rules new or different from the saved file
    removed: list[str]
    run_id: str | None  # the run whose snapshots the preview read
    rules: list[RulePreview]
    note: str = ""


def preview_entity(
    ctx: Context, entity: str, text: str, *, run_id: str = "latest", rows: int = PREVIEW_ROWS
) -> EditPreview:
    """Validate ``text`` as the new file of ``entity``; run the rules it changes on the
    snapshots of ``run_id`` (default: the newest completed run that kept them)."""
    ctx.require("read")
    _known(ctx, entity, text)
    try:
        new = _plan_with(ctx, entity, text)
    except (ConfigError, ConfigErrors) as exc:
        return EditPreview(entity, False, _problems(ctx, entity, exc), [], [], None, [])
    old = _checks(plan_run(ctx.project, [entity]).entity(entity))
    fresh = _checks(new)
    changed = [n for n, c in fresh.items() if n not in old or _print(c) != _print(old[n])]
    removed = [n for n in old if n not in fresh]
    if not changed:
        note = "no rule changed" + (f"; removed: {', '.join(removed)}" if removed else "")
        return EditPreview(entity, True, [], [], removed, None, [], note)
    found = _snapshot_run(ctx, run_id)
    if found is None:
        note = "no stored run kept its snapshots, so the changed rules could not be run"
        return EditPreview(entity, True, [], changed, removed, None, [], note)
    previews = _run_changed(ctx, found, new, set(changed), rows)
    return EditPreview(entity, True, [], changed, removed, found, previews)


def save_entity(ctx: Context, entity: str, text: str) -> Project:
    """Write ``text`` as the entity's file once it validates; returns the reloaded project."""
    ctx.require("edit_rules")
    _known(ctx, entity, text)
    try:
        _plan_with(ctx, entity, text)
    except (ConfigError, ConfigErrors) as exc:
        raise ConfigErrors([ConfigError(p.message) for p in _problems(ctx, entity, exc)]) from None
    target = Path(ctx.project.entity_files[entity])
    scratch = target.with_name(f".{target.name}.saving")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, target)
    audit.record(ctx, "rules.save", entity, sha256=hashlib.sha256(text.encode()).hexdigest())
    return load(ctx.project.root)


def _known(ctx: Context, entity: str, text: str) -> None:
    if entity not in ctx.project.entities:
        known = ", ".join(sorted(ctx.project.entities))
        raise NotFoundError(f"the project has no entity '{entity}'; it has: {known}")
    if len(text) > MAX_TEXT:
        raise ConfigError(f"the entity file is longer than {MAX_TEXT} characters")


@contextmanager
def _copy_with(ctx: Context, entity: str, text: str) -> Iterator[Path]:
    """A scratch project folder: the project's YAML files, ``entity``'s replaced by ``text``."""
    root = Path(ctx.project.root)
    with tempfile.TemporaryDirectory(prefix="vmsdq-edit-") as scratch:
        dest = Path(scratch)
        shutil.copy(root / "vmsdq.yaml", dest / "vmsdq.yaml")
        for name, file in ctx.project.entity_files.items():
            rel = Path(file).resolve().relative_to(root.resolve())
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            if name == entity:
                (dest / rel).write_text(text, encoding="utf-8")
            else:
                shutil.copy(file, dest / rel)
        yield dest


def _plan_with(ctx: Context, entity: str, text: str) -> EntityPlan:
    """The edited entity compiled (with its reconciliation checks) and the views it reads.

    Compiled here rather than by ``plan_run``, whose cache is kept for the served project."""
    with _copy_with(ctx, entity, text) as scratch:
        project = load(scratch)
        if entity not in project.entities:
            raise ConfigError(f"entity: the file must declare entity '{entity}'")
        spec = project.entities[entity]
        compiled = [
            compile_entity(
                spec,
                project.entities,
                source_file=project.entity_files.get(entity, ""),
                rule_locations=project.rule_locations,
            )
        ]
        if project.spec.reconcile.get(project.spec.default_source) and spec.mirror is not None:
            compiled += compile_reconciliation(spec)
    views: dict[ViewRef, None] = {}
    for c in compiled:
        ref = ViewRef.parse(c.name)
        views[ViewRef(ref.entity) if ref.role is ViewRole.reconcile else ref] = None
        for need in c.needs:
            need_ref = ViewRef.parse(need)
            archived = (ViewRole.previous, ViewRole.reference)  # not read from a source
            if need_ref.entity in project.entities and need_ref.role not in archived:
                views[need_ref] = None
    return EntityPlan(entity, tuple(compiled), views=tuple(views))


def _problems(ctx: Context, entity: str, exc: ConfigError | ConfigErrors) -> list[Problem]:
    errors = exc.errors if isinstance(exc, ConfigErrors) else [exc]
    name = Path(ctx.project.entity_files[entity]).name
    own = [e for e in errors if e.location is None or Path(e.location.file).name == name]
    out = []
    for e in own or errors:  # others' errors are echoes of ours (a reference to us broke)
        loc = e.location
        ours = loc is not None and Path(loc.file).name == name
        where = f"{Path(loc.file).name}: " if loc is not None and not ours else ""
        message = _scrub(f"{where}{e.message}")
        out.append(
            Problem(message, loc.line if ours and loc else 0, loc.column if ours and loc else 0)
        )
    return out


def _scrub(message: str) -> str:
    """No scratch folder names in what users read."""
    tmp = tempfile.gettempdir()
    return " ".join(Path(w).name if w.startswith(tmp) else w for w in message.split(" "))


def _checks(plan: EntityPlan) -> dict[str, tuple[Check, CompiledEntity]]:
    return {c.name: (c, compiled) for compiled in plan.compiled for c in compiled.checks}


def _print(item: tuple[Check, CompiledEntity]) -> tuple[Any, ...]:
    """What makes two compiled rules the same: everything but where they were declared."""
    c = item[0]
    sql = [x.sql("duckdb") if x is not None else "" for x in (c.fails, c.applies, c.metric)]
    values = [(n, v.sql("duckdb")) for n, v in c.values]
    relations = [(r.alias, r.query.sql("duckdb"), r.on.sql("duckdb")) for r in c.relations]
    return (
        c.kind,
        c.dimension,
        c.severity,
        c.weight,
        c.scope,
        c.description,
        sql,
        values,
        relations,
        c.strict,
        (c.tolerance, c.label, c.change, c.expect),
    )


def _snapshot_run(ctx: Context, run_id: str) -> str | None:
    if run_id != "latest":
        found = summary(ctx, run_id).run_id
        return found if ctx.artifacts.snapshot_views(found) else None
    page = ctx.repos.runs.page(status=str(RunStatus.completed), limit=20)
    for run in page.items:
        if ctx.artifacts.snapshot_views(run.run_id):
            return run.run_id
    return None


def _run_changed(
    ctx: Context, run_id: str, plan: EntityPlan, changed: set[str], rows: int
) -> list[RulePreview]:
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    snapshots = _inputs(ctx, run_id, plan)
    todo = [
        dataclasses.replace(c, checks=tuple(k for k in c.checks if k.name in changed))
        for c in plan.compiled
        if any(k.name in changed for k in c.checks)
    ]
    descriptions = {k.name: k.description for c in todo for k in c.checks}
    with tempfile.TemporaryDirectory(prefix="vmsdq-preview-") as folder:
        results = DuckDBBackend(threads=1).validate(
            todo, snapshots, failures_dir=Path(folder), now=ctx.clock()
        )
        failing = _failing(Path(folder), rows)
    return [
        RulePreview(
            r.rule,
            descriptions.get(r.rule, ""),
            r.evaluated,
            r.failed,
            str(r.outcome),
            _scrub(r.message),
            failing.get(r.rule, []),
        )
        for e in results
        for r in e.rules
        if r.rule in changed
    ]


def _inputs(ctx: Context, run_id: str, plan: EntityPlan) -> dict[str, Snapshot]:
    snapshots: dict[str, Snapshot] = {}
    for view in plan.views:
        snap = ctx.artifacts.snapshot(run_id, view.name)
        if snap is not None:
            snapshots[view.name] = snap
    own = snapshots.get(plan.entity)
    if own is not None:
        snapshots[ViewRef(plan.entity, ViewRole.reconcile).name] = dataclasses.replace(
            own, rejects=[]
        )
    return snapshots


def _failing(folder: Path, rows: int) -> dict[str, list[dict[str, Any]]]:
    import json

    import duckdb

    files = sorted(folder.glob("*.parquet"))
    if not files:
        return {}
    con = duckdb.connect()
    try:
        found = con.execute(
            'SELECT rule, key, "values" FROM (SELECT *, row_number() OVER '
            "(PARTITION BY rule ORDER BY key) AS n FROM read_parquet(?, union_by_name = true)) "
            "WHERE n <= ? ORDER BY rule, key",
            [[str(f) for f in files], rows],
        ).fetchall()
        found = [(r, k, sealing.unseal(v, sealing.FAILURE_VALUES) if v else v) for r, k, v in found]
    finally:
        con.close()
    out: dict[str, list[dict[str, Any]]] = {}
    for rule, key, values in found:
        out.setdefault(rule, []).append({"key": key, **json.loads(values or "{}")})
    return out
