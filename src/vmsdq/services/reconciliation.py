"""Reconciliation of mirrored entities, read from a run's reconciliation rules and failures.

For an entity with a ``mirror:`` a run stores ``<entity>.reconcile.count`` (the relative count
difference), ``<entity>.reconcile.missing_in_<system>`` and ``.missing_in_vms`` (records on one
side only) and one ``<entity>.reconcile.<field>`` rule per mapped field (values that differ);
their failing rows hold the keys and both systems' values side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.core.results import RuleResult
from vmsdq.services.context import Context
from vmsdq.services.failures import list_failures
from vmsdq.services.lookup import resolve, summary
from vmsdq.store.pages import Page
from vmsdq.store.records import RunSummary

VMS = "vms"


@dataclass(frozen=True)
class FieldReconciliation:
    field: str  # our field
    rule: str
    compared: int  # records found on both sides
    mismatched: int


@dataclass(frozen=True)
class Reconciliation:
    """Counts of one mirrored entity in one run."""

    run_id: str
    entity: str
    system: str  # the other system, e.g. "salesforce"
    object: str  # its object, e.g. "Contact"
    ours: int  # our records
    theirs: int  # their records (with a key)
    count_difference: float | None  # |ours - theirs| / theirs, after the mirror's filters
    count_ok: bool | None
    missing_in_theirs: int  # ours that the other system lacks
    missing_in_vms: int  # theirs that we lack
    fields: list[FieldReconciliation]


@dataclass(frozen=True)
class Mismatch:
    """One record whose field differs: our key and value next to theirs."""

    field: str
    key: str
    their_key: str | None
    vms_value: str | None
    their_value: str | None


def reconciliations(ctx: Context, run_id: str = "latest") -> list[Reconciliation]:
    """Every mirrored entity reconciled in the run."""
    ctx.require("read")
    found = _run(ctx, run_id)
    return [r for e in _mirrored(ctx) if (r := _reconciliation(ctx, found, e)) is not None]


def reconciliation(ctx: Context, run_id: str, entity: str) -> Reconciliation:
    ctx.require("read")
    found = _run(ctx, run_id)
    if entity not in _mirrored(ctx):
        raise NotFoundError(f"entity '{entity}' has no mirror to reconcile with")
    result = _reconciliation(ctx, found, entity)
    if result is None:
        raise NotFoundError(f"run '{found.run_id}' did not reconcile entity '{entity}'")
    return result


def missing(
    ctx: Context,
    run_id: str,
    entity: str,
    side: str,
    *,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[dict[str, Any]]:
    """Records absent from ``side`` (``vms`` or the other system): their key and ids."""
    rec = reconciliation(ctx, run_id, entity)
    if side not in (VMS, rec.system):
        raise ConfigError(f"side '{side}' is not one of: {VMS}, {rec.system}")
    rule = f"{entity}.reconcile.missing_in_{side}"
    page = list_failures(ctx, rec.run_id, rule=rule, search=search, cursor=cursor, limit=limit)
    return Page([{"key": f.key, **f.values} for f in page.items], page.next_cursor)


def mismatches(
    ctx: Context,
    run_id: str,
    entity: str,
    field: str,
    *,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Mismatch]:
    """Records whose ``field`` differs between the systems, both values side by side."""
    rec = reconciliation(ctx, run_id, entity)
    names = [f.field for f in rec.fields]
    if field not in names:
        raise NotFoundError(
            f"entity '{entity}' reconciles no field '{field}'; it reconciles: {', '.join(names)}"
        )
    rule = f"{entity}.reconcile.{field}"
    page = list_failures(ctx, rec.run_id, rule=rule, search=search, cursor=cursor, limit=limit)
    system = rec.system
    items = [
        Mismatch(
            field=field,
            key=f.key,
            their_key=_text(f.values.get(f"{system}_key")),
            vms_value=_text(f.values.get("vms_value")),
            their_value=_text(f.values.get(f"{system}_value")),
        )
        for f in page.items
    ]
    return Page(items, page.next_cursor)


def _run(ctx: Context, run_id: str) -> RunSummary:
    return summary(ctx, resolve(ctx, run_id))


def _mirrored(ctx: Context) -> list[str]:
    spec = ctx.project.spec
    if not spec.reconcile.get(spec.default_source):
        return []
    return [name for name, e in ctx.project.entities.items() if e.mirror is not None]


def _reconciliation(ctx: Context, run: RunSummary, entity: str) -> Reconciliation | None:
    run_id = run.run_id
    mirror = ctx.project.entities[entity].mirror
    assert mirror is not None
    prefix = f"{entity}.reconcile."
    page = ctx.repos.results.rules(run_id, entity=entity, search=prefix, limit=1000)
    rules = {r.rule: r for r in page.items if r.rule.startswith(prefix)}
    if not rules:
        return None
    count = rules.get(prefix + "count")
    ours_missing = rules.get(f"{prefix}missing_in_{mirror.system}")
    theirs_missing = rules.get(prefix + "missing_in_vms")
    entity_rows = _entity_rows(ctx, run, entity)
    special = {prefix + "count", f"{prefix}missing_in_{mirror.system}", prefix + "missing_in_vms"}
    return Reconciliation(
        run_id=run_id,
        entity=entity,
        system=mirror.system,
        object=mirror.object,
        ours=entity_rows,
        theirs=theirs_missing.evaluated if theirs_missing else 0,
        count_difference=count.observed if count else None,
        count_ok=_ok(count),
        missing_in_theirs=ours_missing.failed if ours_missing else 0,
        missing_in_vms=theirs_missing.failed if theirs_missing else 0,
        fields=[
            FieldReconciliation(r.rule.removeprefix(prefix), r.rule, r.evaluated, r.failed)
            for name, r in rules.items()
            if name not in special
        ],
    )


def _entity_rows(ctx: Context, run: RunSummary, entity: str) -> int:
    history = ctx.repos.history.including(run.run_id)
    for point in history.entities(entity=entity, since=run.started_at).get(entity, []):
        if point.run_id == run.run_id and point.rows is not None:
            return point.rows
    return 0


def _ok(rule: RuleResult | None) -> bool | None:
    if rule is None or rule.outcome.value in ("error", "skipped"):
        return None
    return rule.failed == 0


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
