"""SQL for one entity's checks, built with SQLGlot (no execution here).

Row checks: a ``base`` CTE (typed columns, raw text where needed) LEFT JOINed once to each
distinct relation, materialised as a temp table of key + one nullable flag per check
(NULL = not evaluated) + the offending-value columns. Counts come from one aggregate over
that table; failures from one UNION ALL over the failing checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from vmsdq.checks.model import BASE, Check, CompiledEntity, Relation
from vmsdq.checks.sql import RAW_SUFFIX, col, lit, table
from vmsdq.engine.exact import exact_cast

FLAGS = "__flags"
KEY = "__key"


def base_columns(entity: CompiledEntity, checks: Iterable[Check]) -> set[str]:
    """Names of ``base`` columns the checks read (``<field>__raw`` for raw text)."""
    names = {entity.key}
    for check in checks:
        for node in _expressions(check):
            for column in node.find_all(exp.Column):
                if column.table == BASE:
                    names.add(column.name)
    return names


def base_select(entity: CompiledEntity, view: str, needed: set[str]) -> exp.Select:
    """``SELECT <exact cast of src to type> AS name[, src AS name__raw] FROM view``.

    The raw column is the source value as stored; checks cast it to text only where needed.
    """
    projections: list[exp.Expr] = []
    for spec in entity.columns:
        source = col(spec.source_name, table=None)
        if spec.name in needed:
            cast = exact_cast(source, spec.sql_type)
            projections.append(exp.alias_(cast, spec.name, quoted=True))
        if spec.name + RAW_SUFFIX in needed:
            projections.append(exp.alias_(source.copy(), spec.name + RAW_SUFFIX, quoted=True))
    return exp.select(*projections).from_(table(view))


def flag(check: Check) -> exp.Expr:
    """NULL when the row is not evaluated, else whether it fails."""
    fails = exp.func("COALESCE", check.fails.copy(), exp.false())
    if check.applies is None:
        return fails
    return exp.Case(ifs=[exp.If(this=check.applies.copy(), true=fails)])


@dataclass
class RowPlan:
    """Row checks of one entity and the column names they get in the flags table."""

    checks: list[Check]
    values: dict[str, str] = field(default_factory=dict)  # value SQL -> column alias

    def __post_init__(self) -> None:
        for check in self.checks:
            for _, value in check.values:
                self.values.setdefault(value.sql(dialect="duckdb"), f"v{len(self.values)}")

    def value_column(self, value: exp.Expr) -> str:
        return self.values[value.sql(dialect="duckdb")]


def flags_select(plan: RowPlan, entity: CompiledEntity, view: str) -> exp.Select:
    """The SELECT whose result becomes the flags table.

    Offending values are kept only on rows where a check using them failed (NULL elsewhere),
    so the table stays small: key, one boolean per check, mostly-NULL value columns.
    """
    inner = _evaluate(plan, entity, view)
    projections: list[exp.Expr] = [col(KEY, None)]
    projections += [col(f"c{i}", None) for i in range(len(plan.checks))]
    users: dict[str, list[int]] = {}
    for i, check in enumerate(plan.checks):
        for _, value in check.values:
            users.setdefault(plan.value_column(value), []).append(i)
    for alias, indices in users.items():
        failed = exp.or_(*[col(f"c{i}", None) for i in sorted(set(indices))])
        kept = exp.Case(ifs=[exp.If(this=failed, true=col(alias, None))])
        projections.append(exp.alias_(kept, alias, quoted=True))
    return exp.select(*projections).from_(inner.subquery("checked"))


def _evaluate(plan: RowPlan, entity: CompiledEntity, view: str) -> exp.Select:
    """Key, flags and raw offending values over ``base`` joined to every relation once."""
    needed = base_columns(entity, plan.checks)
    key = exp.cast(col(entity.key), "VARCHAR")
    projections: list[exp.Expr] = [exp.alias_(key, KEY, quoted=True)]
    projections += [exp.alias_(flag(c), f"c{i}", quoted=True) for i, c in enumerate(plan.checks)]
    seen: set[str] = set()
    for check in plan.checks:
        for _, value in check.values:
            alias = plan.value_column(value)
            if alias not in seen:
                seen.add(alias)
                projections.append(exp.alias_(value.copy(), alias, quoted=True))
    select = exp.select(*projections).from_(exp.to_table(BASE))
    for relation in _relations(plan.checks):
        select = select.join(
            exp.paren(relation.query.copy()).as_(relation.alias, quoted=True),
            on=relation.on.copy(),
            join_type="LEFT",
        )
    return select.with_(BASE, as_=base_select(entity, view, needed))


def create_flags(select: exp.Select) -> exp.Create:
    return exp.Create(
        this=exp.to_table(FLAGS),
        kind="TABLE",
        expression=select,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )


def counts_select(count: int) -> exp.Select:
    """``SELECT COUNT(*), COUNT(c0), COUNT_IF(c0), ...`` over the flags table."""
    projections: list[exp.Expr] = [exp.Count(this=exp.Star())]
    for i in range(count):
        flag_col = col(f"c{i}", None)
        projections += [exp.Count(this=flag_col), exp.CountIf(this=flag_col.copy())]
    return exp.select(*projections).from_(exp.to_table(FLAGS))


def failures_select(plan: RowPlan, failing: Sequence[int]) -> exp.Query | None:
    """UNION ALL of (rule, key, values JSON) for the failing rows of the given checks."""
    parts = [_failure_rows(plan, i) for i in failing]
    if not parts:
        return None
    query: exp.Query = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)
    return query


def _failure_rows(plan: RowPlan, index: int) -> exp.Select:
    check = plan.checks[index]
    args: list[exp.Expr] = []
    for label, value in check.values:
        args += [lit(label), exp.cast(col(plan.value_column(value), None), "VARCHAR")]
    values = exp.cast(exp.func("JSON_OBJECT", *args), "VARCHAR") if args else lit("{}")
    return (
        exp.select(
            exp.alias_(lit(check.name), "rule"),
            exp.alias_(col(KEY, None), "key"),
            exp.alias_(values, "values", quoted=True),
        )
        .from_(exp.to_table(FLAGS))
        .where(col(f"c{index}", None))
    )


def _relations(checks: Iterable[Check]) -> list[Relation]:
    unique: dict[str, Relation] = {}
    for check in checks:
        for relation in check.relations:
            unique.setdefault(relation.alias, relation)
    return list(unique.values())


def _expressions(check: Check) -> list[exp.Expr]:
    nodes = [check.fails, *(value for _, value in check.values)]
    nodes += [e for e in (check.applies, check.metric) if e is not None]
    nodes += [relation.on for relation in check.relations]
    return nodes
