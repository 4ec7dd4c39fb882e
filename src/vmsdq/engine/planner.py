"""Which checks of an entity run in a backend (a database), and which DuckDB runs from rows.

The split reads the backend's capability flags, then asks the backend what its views
cannot run (an unsafe cast). ``push`` runs the pushed part; when nothing is left the
entity's rows are never read. ``merge`` folds the two parts back into one result and one
failure file.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlglot import exp

from vmsdq.checks.exact import plain_cast
from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core.errors import VmsdqError
from vmsdq.core.results import EntityResult
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.engine.backend import Backend, Capabilities, Progress
from vmsdq.engine.failures import combine, failure_file
from vmsdq.engine.sql_dialect import is_blank_test

ViewT = TypeVar("ViewT")
PART = "pushed"  # failure file of the pushed part until merged: ``<entity>.pushed.parquet``
# Written alike everywhere, or rewritten per database (sql_dialect); regexes have their flag.
HANDLED = frozenset(
    {"And", "Or", "Xor", "Case", "If", "Cast", "TryCast", "EPOCH", "TimeToUnix",
     "RegexpLike", "RegexpFullMatch"}
)  # fmt: skip


@dataclass(frozen=True)
class Split:
    """An entity's checks by where they run, and why each remaining one is not pushed."""

    pushed: tuple[Check, ...]
    remaining: tuple[Check, ...]
    reasons: Mapping[str, str] = field(default_factory=dict)  # check name -> why not pushed


@dataclass
class Pushed:
    """What ``push`` did for one entity.

    ``result`` holds the pushed checks' results (None when nothing was pushed);
    ``remaining`` is the entity with the checks DuckDB must still run from the rows (None
    when nothing remains: the rows need not be read at all).
    """

    result: EntityResult | None
    remaining: CompiledEntity | None
    reasons: dict[str, str] = field(default_factory=dict)


def split_by_capabilities(
    entity: CompiledEntity, backend: Backend[ViewT], views: Mapping[str, ViewT]
) -> Split:
    """Split ``entity``'s checks between ``backend`` and DuckDB.

    Args:
        entity: the compiled entity.
        backend: where checks would be pushed; its capabilities decide first.
        views: the backend's views by name (for a database: entity -> table).
    """
    if entity.name not in views:
        reason = f"entity '{entity.name}' has no table in this database"
        return Split((), entity.checks, {c.name: reason for c in entity.checks})
    if entity.key_parts:  # its failures' keys are JSON arrays as DuckDB writes them
        reason = "a composite key is written by DuckDB"
        return Split((), entity.checks, {c.name: reason for c in entity.checks})
    if _number_key(entity):  # databases write the key 20000.0 as 20000, 1e300 as 1.0E300
        reason = "a number key is written by DuckDB"
        return Split((), entity.checks, {c.name: reason for c in entity.checks})
    reasons = {
        check.name: why
        for check in entity.checks
        if (why := refusal(check, backend.capabilities, views)) is not None
    }
    allowed = [c for c in entity.checks if c.name not in reasons]
    if allowed:
        reasons |= backend.refusals(dataclasses.replace(entity, checks=tuple(allowed)), views)
    pushed = tuple(c for c in entity.checks if c.name not in reasons)
    remaining = tuple(c for c in entity.checks if c.name in reasons)
    return Split(pushed, remaining, reasons)


def _number_key(entity: CompiledEntity) -> bool:
    return any(c.sql_type == "DOUBLE" for c in entity.columns if c.name in entity.keys)


def refusal(check: Check, caps: Capabilities, views: Mapping[str, object]) -> str | None:
    """Why the flags keep ``check`` out of a backend, or None when they let it in."""
    nodes = _nodes(check)
    read = {t.name for node in nodes for t in node.find_all(exp.Table) if t.name}
    read = {name for name in read if not name.startswith("__")}  # not engine-made tables
    if check.scope == "row" and not caps.supports_row_checks:
        return "row checks run from the rows"
    if check.scope == "table" and not caps.supports_table_checks:
        return "table checks run from the rows"
    if check.scope == "schema" and not caps.supports_schema_checks:
        return "schema checks read the snapshot's columns"
    if check.strict and not caps.supports_strict_values:
        return "strict validation runs in Python"
    if check.distribution is not None:
        return "distribution drift runs in Python (scipy)"
    previous = any(ViewRef.parse(n).role is ViewRole.previous for n in read)
    if previous and not caps.supports_previous_snapshot:
        return "the previous snapshot is kept by DuckDB only"
    if not caps.supports_regex and _has_regex(nodes):
        return f"{caps.dialect} regular expressions differ from RE2"
    if not caps.supports_window and _has(nodes, exp.Window):
        return "no window functions"
    unknown = sorted(_functions(nodes) - caps.functions) if caps.functions is not None else []
    if unknown:
        return f"not known to give DuckDB's results in {caps.dialect}: {', '.join(unknown)}"
    missing = sorted(read - set(views))
    if missing:
        return f"not in this database: {', '.join(missing)}"
    return None


def push(
    entity: CompiledEntity,
    backend: Backend[ViewT],
    views: Mapping[str, ViewT],
    *,
    failures_dir: Path,
    now: datetime,
    progress: Progress | None = None,
) -> Pushed:
    """Run in ``backend`` what it can run of ``entity``; return the rest for DuckDB.

    A backend error (an unreachable database, SQL it rejects) pushes nothing: the whole
    entity is returned to be run from its rows, and ``reasons`` says why.

    Args:
        entity: the compiled entity.
        backend: the backend to push to (``SqlBackend.for_url(...)``).
        views: the backend's views (``SqlSource.tables(...)`` for a database).
        failures_dir: the run's failure folder. With nothing remaining the pushed failures
            are ``<entity>.parquet``; else ``<entity>.pushed.parquet`` until ``merge``.
        now: the run's reference time (freshness).
        progress: called as ``progress(entity, stage)``.
    """
    try:
        split = split_by_capabilities(entity, backend, views)
        if not split.pushed:
            return Pushed(None, entity, dict(split.reasons))
        part = dataclasses.replace(entity, checks=split.pushed)
        [result] = backend.validate(
            [part], views, failures_dir=failures_dir, now=now, progress=progress
        )
    except VmsdqError as error:
        return Pushed(None, entity, {c.name: str(error) for c in entity.checks})
    result.message = f"{len(split.pushed)} of {len(entity.checks)} checks ran in the database"
    if not split.remaining:
        return Pushed(result, None, {})
    result.failures_path = _set_aside(failures_dir, entity.name, result.failures_path)
    return Pushed(result, remaining_entity(entity, split.remaining), dict(split.reasons))


def remaining_entity(entity: CompiledEntity, checks: tuple[Check, ...]) -> CompiledEntity:
    """``entity`` with only ``checks``, and only the views they read."""
    return dataclasses.replace(entity, checks=checks, needs=_needs(entity, checks))


def merge(entity: CompiledEntity, pushed: EntityResult, local: EntityResult) -> EntityResult:
    """One result and one failure file from the pushed part and DuckDB's part of ``entity``.

    Rules come in the entity's check order (then any extra rule DuckDB added, such as
    ``<entity>.record.parseable``); the failure file is ``<entity>.parquet``.
    """
    by_rule = {r.rule: r for r in [*pushed.rules, *local.rules]}
    names = [c.name for c in entity.checks]
    rules = [by_rule[n] for n in names if n in by_rule]
    rules += [r for r in local.rules if r.rule not in set(names)]
    merged = dataclasses.replace(
        local,
        rows=local.rows if local.status == "ok" else pushed.rows,
        rules=rules,
        status="error" if "error" in (local.status, pushed.status) else "ok",
        message="; ".join(m for m in (pushed.message, local.message) if m),
        location=local.location or pushed.location,
        seconds=local.seconds + pushed.seconds,
    )
    merged.failures_path = _merge_files(entity.name, pushed.failures_path, local.failures_path)
    return merged


def _set_aside(folder: Path, entity: str, path: str | None) -> str | None:
    """Move the pushed part's failure file out of the way of DuckDB's ``<entity>.parquet``."""
    if path is None:
        return None
    target = failure_file(folder, f"{entity}.{PART}")
    os.replace(path, target)
    return str(target)


def _merge_files(entity: str, pushed: str | None, local: str | None) -> str | None:
    if pushed is None:
        return local
    target = failure_file(Path(pushed).parent, entity)
    parts = [Path(p) for p in (pushed, local) if p is not None]
    combine(parts, target)
    Path(pushed).unlink(missing_ok=True)
    return str(target)


def _needs(entity: CompiledEntity, checks: Iterable[Check]) -> tuple[str, ...]:
    """The views other than the entity's own that ``checks`` still read (as compiled)."""
    read: dict[str, None] = {}
    for check in checks:
        for relation in check.relations:
            for table in relation.query.find_all(exp.Table):
                if table.name and table.name != entity.name and not table.name.startswith("__"):
                    read[table.name] = None
    return tuple(read)


def _nodes(check: Check) -> list[exp.Expr]:
    nodes = [check.fails, *(value for _, value in check.values)]
    nodes += [e for e in (check.applies, check.metric) if e is not None]
    nodes += [part for r in check.relations for part in (r.query, r.on)]
    # an exact cast's guard is DuckDB's; a database gets the plain cast (sql_dialect)
    return [n.transform(lambda node: plain_cast(node) or node) for n in nodes]


def _functions(nodes: Iterable[exp.Expr]) -> set[str]:
    """Functions the nodes call (class names; an unknown function: its name), beyond the
    logic, casts and regular expressions every backend writes (or the rewrite handles)."""
    found = set()
    for node in nodes:
        for func in node.find_all(exp.Func):
            name = func.name.upper() if isinstance(func, exp.Anonymous) else type(func).__name__
            found.add(name)
    return found - HANDLED


def _has_regex(nodes: Iterable[exp.Expr]) -> bool:
    """A regular expression other than the blank test (which needs none, see sql_dialect)."""
    for node in nodes:
        for found in node.find_all(exp.RegexpLike, exp.RegexpFullMatch):
            if not is_blank_test(found):
                return True
    return False


def _has(nodes: Iterable[exp.Expr], *types: type[exp.Expr]) -> bool:
    return any(node.find(*types) is not None for node in nodes)
