"""SQL for one entity's checks, built with SQLGlot (no execution here).

Row checks: a ``base`` CTE (typed columns, raw text where needed) LEFT JOINed once to each
distinct relation, materialised as a temp table of key + one nullable flag per check
(NULL = not evaluated) + the offending-value columns. Counts come from one aggregate over
that table; failures from a UNION ALL of one scan of it per failing check (an UNNEST in
one scan when there are many).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from vmsdq.checks.exact import exact_cast
from vmsdq.checks.model import BASE, Check, CompiledEntity, Relation
from vmsdq.checks.sql import CONTENT, RAW_SUFFIX, cast, col, lit, table
from vmsdq.engine.keys import key_columns, row_key

FLAGS = "__flags"
KEY = "__key"
FAILED = "__failed"  # one failing check of a row, unnested
# failing checks written as a UNION ALL of one scan each; more: one UNNEST scan. Measured on
# 100k volunteers (34 failing checks, 448k failure rows): UNION ALL 0.54-0.62 s CPU, UNNEST
# 0.78-0.81 s; with hundreds of checks one scan per check costs more than the UNNEST.
UNION_PARTS = 64
# Any text whose first byte is at least "!" (0x21) holds a character other than the blanks
# (space, tab, CR, LF are all below it): DuckDB compares text byte by byte, so one comparison
# decides most presence tests and only the rest go to RE2 (issue #9: 1.1 -> 0.33 s CPU for six
# presence tests over 2.5M rows).
ABOVE_BLANKS = "!"


def base_columns(entity: CompiledEntity, checks: Iterable[Check]) -> set[str]:
    """Names of ``base`` columns the checks and the key read (``<field>__raw``: as read)."""
    names = key_columns(entity)
    for check in checks:
        for node in _expressions(check):
            for column in node.find_all(exp.Column):
                if column.table == BASE:
                    names.add(column.name)
    return names


def base_select(entity: CompiledEntity, view: str, needed: set[str]) -> exp.Select:
    """``SELECT <exact cast of name to type> AS name[, name AS name__raw] FROM view``.

    The view names columns by field (sources rename ``source_name`` when they read). The raw
    column is the value as stored; checks cast it to text only where needed.
    """
    projections: list[exp.Expr] = []
    for spec in entity.columns:
        source = col(spec.name, table=None)
        if spec.name in needed:
            cast = exact_cast(source, spec.sql_type, nonfinite=spec.nonfinite)
            projections.append(exp.alias_(cast, spec.name, quoted=True, copy=False))
        if spec.name + RAW_SUFFIX in needed:
            projections.append(
                exp.alias_(source.copy(), spec.name + RAW_SUFFIX, quoted=True, copy=False)
            )
    return exp.select(*projections, copy=False).from_(table(view), copy=False)


def flag(check: Check) -> exp.Expr:
    """NULL when the row is not evaluated, else whether it fails."""
    fails = exp.func("COALESCE", check.fails.copy(), exp.false(), copy=False)
    if check.applies is None:
        return fails
    return exp.Case(ifs=[exp.If(this=check.applies.copy(), true=fails)])


@dataclass
class RowPlan:
    """Row checks of one entity and the column names they get in the flags table."""

    checks: list[Check]
    values: dict[str, str] = field(default_factory=dict)  # value SQL -> column alias
    _by_node: dict[int, str] = field(default_factory=dict, repr=False)  # id(value) -> alias

    def __post_init__(self) -> None:
        for check in self.checks:
            for _, value in check.values:
                alias = self.values.setdefault(value.sql(dialect="duckdb"), f"v{len(self.values)}")
                self._by_node[id(value)] = alias

    def value_column(self, value: exp.Expr) -> str:
        found = self._by_node.get(id(value))
        return found if found is not None else self.values[value.sql(dialect="duckdb")]


def flags_select(
    plan: RowPlan,
    entity: CompiledEntity,
    view: str,
    *,
    rows_where: exp.Expr | None = None,
    materialised: Mapping[str, str] | None = None,
) -> exp.Select:
    """The SELECT whose result becomes the flags table.

    Offending values are kept only on rows where a check using them failed (NULL elsewhere),
    so the table stays small: key, one boolean per check, mostly-NULL value columns.
    ``rows_where`` keeps only the view's rows it holds for (a condition over the view's
    columns); ``materialised`` reads relations from tables already built (alias -> table).
    """
    inner = _evaluate(plan, entity, view, rows_where, materialised or {})
    projections: list[exp.Expr] = [col(KEY, None)]
    projections += [col(f"c{i}", None) for i in range(len(plan.checks))]
    users: dict[str, list[int]] = {}
    for i, check in enumerate(plan.checks):
        for _, value in check.values:
            users.setdefault(plan.value_column(value), []).append(i)
    for alias, indices in users.items():
        failed = exp.or_(*[col(f"c{i}", None) for i in sorted(set(indices))])
        kept = exp.Case(ifs=[exp.If(this=failed, true=col(alias, None))])
        projections.append(exp.alias_(kept, alias, quoted=True, copy=False))
    return exp.select(*projections, copy=False).from_(
        inner.subquery("checked", copy=False), copy=False
    )


def _evaluate(
    plan: RowPlan,
    entity: CompiledEntity,
    view: str,
    rows_where: exp.Expr | None,
    materialised: Mapping[str, str],
) -> exp.Select:
    """Key, flags and raw offending values over ``base`` joined to every relation once."""
    needed = base_columns(entity, plan.checks)
    projections: list[exp.Expr] = [exp.alias_(row_key(entity), KEY, quoted=True, copy=False)]
    projections += [
        exp.alias_(flag(c), f"c{i}", quoted=True, copy=False) for i, c in enumerate(plan.checks)
    ]
    seen: set[str] = set()
    for check in plan.checks:
        for _, value in check.values:
            alias = plan.value_column(value)
            if alias not in seen:
                seen.add(alias)
                projections.append(exp.alias_(value.copy(), alias, quoted=True, copy=False))
    select = exp.select(*projections, copy=False).from_(exp.to_table(BASE), copy=False)
    for relation in relations(plan.checks):
        built = materialised.get(relation.alias)
        query = exp.select("*").from_(table(built)) if built else relation.query.copy()
        select = select.join(
            exp.paren(query).as_(relation.alias, quoted=True),
            on=relation.on.copy(),
            join_type="LEFT",
            copy=False,
        )
    base = base_select(entity, view, needed)
    if rows_where is not None:
        base = base.where(rows_where, copy=False)
    return select.with_(BASE, as_=base, copy=False)


def duckdb_sql(statement: exp.Expr) -> str:
    """A statement built for the DuckDB backend as its SQL, rewritten in place for DuckDB
    alone: each presence test ``x ~ CONTENT`` first compares x with ``ABOVE_BLANKS``.

    Only for statements built afresh (``flags_select`` copies what it takes from checks);
    the pushdown to other databases keeps the plain test (their collations do not compare
    text by bytes).
    """
    return statement.transform(_presence_shortcut, copy=False).sql(dialect="duckdb", copy=False)


def _presence_shortcut(node: exp.Expr) -> exp.Expr:
    is_test = isinstance(node, exp.RegexpLike) and node.expression == exp.Literal.string(CONTENT)
    if not is_test:
        return node
    above = exp.GTE(this=node.this.copy(), expression=exp.Literal.string(ABOVE_BLANKS))
    return exp.Case(ifs=[exp.If(this=above, true=exp.true())], default=node)


def create_flags(select: exp.Query) -> exp.Create:
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
    return exp.select(*projections, copy=False).from_(exp.to_table(FLAGS), copy=False)


def failures_select(plan: RowPlan, failing: Sequence[int]) -> exp.Query | None:
    """(rule, key, values JSON) for the failing rows of the given checks.

    Up to ``UNION_PARTS`` checks: a UNION ALL of one filtered scan of the flags table per
    check (the cheapest for a few dozen checks). More: one scan in which each row that
    fails any of them yields one struct per failing check (``UNNEST`` of a list with a NULL
    for each check it passes), so the query grows linearly with the number of checks.
    """
    if not failing:
        return None
    if len(failing) > UNION_PARTS:
        return _unnested_failures(plan, failing)
    query: exp.Query = _failure_rows(plan, failing[0])
    for index in failing[1:]:  # built in place: exp.union copies the tree at every part
        query = exp.Union(this=query, expression=_failure_rows(plan, index), distinct=False)
    return query


def _failure_rows(plan: RowPlan, index: int) -> exp.Select:
    rule, values = _failure_parts(plan, index)
    select = exp.select(
        exp.alias_(rule, "rule", copy=False),
        exp.alias_(col(KEY, None), "key", copy=False),
        exp.alias_(values, "values", quoted=True, copy=False),
        copy=False,
    )
    return select.from_(exp.to_table(FLAGS), copy=False).where(col(f"c{index}", None), copy=False)


def _unnested_failures(plan: RowPlan, failing: Sequence[int]) -> exp.Query:
    entries = exp.Array(expressions=[_failure_entry(plan, i) for i in failing])
    unnested = exp.alias_(exp.Unnest(expressions=[entries]), FAILED, quoted=True, copy=False)
    any_failed = exp.or_(*[col(f"c{i}", None) for i in failing], copy=False)
    rows = exp.select(col(KEY, None), unnested, copy=False).from_(exp.to_table(FLAGS), copy=False)
    rows = rows.where(any_failed, copy=False)
    return (
        exp.select(
            exp.alias_(col("rule", FAILED), "rule"),
            exp.alias_(col(KEY, None), "key"),
            exp.alias_(col("values", FAILED), "values", quoted=True),
        )
        .from_(rows.subquery("f", copy=False), copy=False)
        .where(exp.Not(this=exp.Is(this=col(FAILED, None), expression=exp.null())), copy=False)
    )


def _failure_parts(plan: RowPlan, index: int) -> tuple[exp.Expr, exp.Expr]:
    """The rule's name and its offending values as JSON text (``{}`` without values)."""
    check = plan.checks[index]
    args: list[exp.Expr] = []
    for label, value in check.values:
        args += [lit(label), cast(col(plan.value_column(value), None), "VARCHAR")]
    values = cast(exp.func("JSON_OBJECT", *args, copy=False), "VARCHAR") if args else lit("{}")
    return lit(check.name), values


def _failure_entry(plan: RowPlan, index: int) -> exp.Expr:
    """``CASE WHEN c<index> THEN {'rule': name, 'values': JSON text} END``."""
    rule, values = _failure_parts(plan, index)
    entry = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier("rule"), expression=rule),
            exp.PropertyEQ(this=exp.to_identifier("values"), expression=values),
        ]
    )
    return exp.Case(ifs=[exp.If(this=col(f"c{index}", None), true=entry)])


def relations(checks: Iterable[Check]) -> list[Relation]:
    """The distinct relations the checks join (by alias), in order of first use.

    Checks share a join only when it is the same join: one alias with two ``ON`` conditions
    would evaluate the second check against the first one's rows, so it is refused.
    """
    unique: dict[str, Relation] = {}
    for check in checks:
        for relation in check.relations:
            first = unique.setdefault(relation.alias, relation)
            if first.on != relation.on:
                raise ValueError(
                    f"relation '{relation.alias}' is joined on two conditions: "
                    f"{first.on.sql('duckdb')} and {relation.on.sql('duckdb')}"
                )
    return list(unique.values())


def _expressions(check: Check) -> list[exp.Expr]:
    nodes = [check.fails, *(value for _, value in check.values)]
    nodes += [e for e in (check.applies, check.metric) if e is not None]
    nodes += [relation.on for relation in check.relations]
    return nodes
