"""The catalogue: every entity of the project and every rule, with the SQL it compiles to."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from vmsdq.checks.model import BASE, Check, CompiledEntity
from vmsdq.core.errors import NotFoundError
from vmsdq.core.results import RuleResult
from vmsdq.services.context import Context
from vmsdq.services.lookup import resolve, summary
from vmsdq.services.plan import EntityPlan, plan_run
from vmsdq.store.pages import Page


@dataclass(frozen=True)
class RuleInfo:
    """One rule as declared and compiled (reconciliation rules included)."""

    name: str
    entity: str
    kind: str
    dimension: str
    severity: str
    weight: float
    description: str
    scope: str
    source: str  # file:line where it was declared ("" for generated rules)
    sql: str  # the query selecting the rows this rule fails on (DuckDB dialect)


@dataclass(frozen=True)
class EntityInfo:
    name: str
    description: str
    key: str
    fields: list[str]
    mirror: str | None  # "salesforce Contact" when the entity is reconciled
    file: str
    rules: list[RuleInfo]
    error: str = ""  # why the entity does not compile


def list_entities(ctx: Context) -> list[EntityInfo]:
    """Every entity of the project with its compiled rules, in declaration order."""
    ctx.require("read")
    plan = plan_run(ctx.project, None)
    return [_entity(ctx, p) for p in plan.entities]


def get_entity(ctx: Context, name: str) -> EntityInfo:
    ctx.require("read")
    _known_entity(ctx, name)
    return _entity(ctx, plan_run(ctx.project, [name]).entity(name))


def list_rules(
    ctx: Context,
    *,
    entity: str | None = None,
    dimension: str | None = None,
    severity: str | None = None,
    search: str | None = None,
) -> list[RuleInfo]:
    """Every rule, filtered; ``search`` matches the name or the description."""
    ctx.require("read")
    if entity is not None:
        _known_entity(ctx, entity)
    found = [r for e in list_entities(ctx) for r in e.rules if entity in (None, e.name)]
    needle = (search or "").lower()
    return [
        r
        for r in found
        if dimension in (None, r.dimension)
        and severity in (None, r.severity)
        and (not needle or needle in r.name.lower() or needle in r.description.lower())
    ]


def get_rule(ctx: Context, name: str) -> RuleInfo:
    ctx.require("read")
    rules = {r.name: r for r in list_rules(ctx)}
    found = rules.get(name)
    if found is None:
        close = difflib.get_close_matches(name, list(rules), n=5, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise NotFoundError(f"the project has no rule '{name}'{hint}")
    return found


def entity_source(ctx: Context, name: str) -> str:
    """The YAML text of an entity's file, as it is on disk."""
    ctx.require("read")
    _known_entity(ctx, name)
    return Path(ctx.project.entity_files[name]).read_text(encoding="utf-8")


def rule_results(
    ctx: Context,
    run_id: str,
    *,
    entity: str | None = None,
    dimension: str | None = None,
    outcome: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[RuleResult]:
    """One page of a run's rule results (metrics per rule), in run order, filtered."""
    ctx.require("read")
    found = summary(ctx, resolve(ctx, run_id)).run_id
    return ctx.repos.results.rules(
        found,
        entity=entity,
        dimension=dimension,
        outcome=outcome,
        search=search,
        cursor=cursor,
        limit=limit,
    )


def rule_sql(check: Check, compiled: CompiledEntity) -> str:
    """The query selecting what ``check`` fails on: failing rows (row rules) or the metric;
    a schema check reads no rows (an SQL comment says so)."""
    source = exp.to_table(compiled.name).as_(BASE)
    if check.scope == "schema":  # compared with the delivered columns: no query reads rows
        return f"-- {check.description}: compared with the columns the source delivers"
    if check.scope == "table":
        metric = check.metric if check.metric is not None else exp.null()
        inner = exp.select(exp.alias_(metric.copy(), "metric")).from_(source)
        query = exp.select("metric").from_(inner.subquery("m")).where(check.fails.copy())
    else:
        keys = [exp.column(k, table=BASE) for k in compiled.keys]
        values = [
            exp.alias_(v.copy(), name, quoted=True)
            for name, v in check.values
            if name not in compiled.keys
        ]
        query = exp.select(*keys, *values).from_(source)
        for rel in check.relations:
            query = query.join(rel.query.subquery(rel.alias), on=rel.on.copy(), join_type="LEFT")
        condition = check.fails.copy()
        if check.applies is not None:
            condition = exp.and_(check.applies.copy(), condition)
        query = query.where(condition)
    return query.sql(dialect="duckdb", pretty=True)


_SQL: dict[int, tuple[Check, str]] = {}  # id(check) -> (check, its SQL); compiled checks
SQL_CACHE_SIZE = 5000  # are cached per project digest, so the same objects come back


def _cached_sql(check: Check, compiled: CompiledEntity) -> str:
    found = _SQL.get(id(check))
    if found is not None and found[0] is check:
        return found[1]
    if len(_SQL) >= SQL_CACHE_SIZE:
        _SQL.clear()
    sql = rule_sql(check, compiled)
    _SQL[id(check)] = (check, sql)
    return sql


def _entity(ctx: Context, plan: EntityPlan) -> EntityInfo:
    spec = ctx.project.entities[plan.entity]
    mirror = f"{spec.mirror.system} {spec.mirror.object}" if spec.mirror is not None else None
    rules = [
        RuleInfo(
            name=c.name,
            entity=plan.entity,
            kind=c.kind,
            dimension=str(c.dimension),
            severity=str(c.severity),
            weight=c.weight,
            description=c.description,
            scope=c.scope,
            source=_relative(c.source, ctx.project.root),
            sql=_cached_sql(c, compiled),
        )
        for compiled in plan.compiled
        for c in compiled.checks
    ]
    return EntityInfo(
        name=plan.entity,
        description=spec.description or "",
        key=spec.key if isinstance(spec.key, str) else ", ".join(spec.key),
        fields=list(spec.fields),
        mirror=mirror,
        file=Path(ctx.project.entity_files.get(plan.entity, "")).name,
        rules=rules,
        error=plan.error,
    )


def _relative(source: str, root: str) -> str:
    """``file:line`` with the file relative to the project folder (no server paths shown)."""
    prefix = str(Path(root).resolve()) + "/"
    return source.removeprefix(prefix).removeprefix(root.rstrip("/") + "/")


def _known_entity(ctx: Context, name: str) -> None:
    if name not in ctx.project.entities:
        known = ", ".join(sorted(ctx.project.entities))
        raise NotFoundError(f"the project has no entity '{name}'; it has: {known}")
