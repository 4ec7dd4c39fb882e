"""The sandbox for what a SQL source's entity reads: ``sources.<s>.query`` and ``table``.

A query is one SELECT over the source's own tables: joins, filters, grouping, subqueries and
the scalar functions row expressions may use (:mod:`vmsdq.spec.sandbox`), plus the usual
aggregates. Table functions (``read_csv``, ``pg_read_file``...), ``SELECT ... INTO``, row
locks, statements and every other function are refused, so a project file cannot make the
database server read a file or change anything. A table name is one to three dotted
identifiers, nothing else.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import SqlglotError

from vmsdq.core.errors import Location, SandboxError
from vmsdq.spec.sandbox import allowed_tree, kind_refusal, parse_one, refusal

_QUERY_NODES = (
    exp.Select, exp.From, exp.Join, exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered,
    exp.Limit, exp.Offset, exp.Distinct, exp.Union, exp.Except, exp.Intersect, exp.With,
    exp.CTE, exp.Subquery, exp.TableAlias, exp.Alias, exp.Star, exp.Exists,
    exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg,
)  # fmt: skip
# SQLAlchemy backend name -> SQLGlot dialect
DIALECTS = {
    "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite",
    "mssql": "tsql", "oracle": "oracle", "snowflake": "snowflake", "bigquery": "bigquery",
    "duckdb": "duckdb",
}  # fmt: skip
_PART = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"\x00]+"|`[^`\x00]+`)'
_TABLE_NAME = re.compile(rf"^{_PART}(?:\.{_PART}){{0,2}}$")
_NAMED = (exp.Table, exp.TableAlias, exp.Alias, exp.CTE, exp.Subquery, exp.Column, exp.Star)


def dialect_of(source: object) -> str:
    """The SQLGlot dialect of a source spec's ``url`` ("" when it is not known offline)."""
    url = getattr(source, "url", None)
    if not isinstance(url, str) or ":" not in url:
        return ""
    return DIALECTS.get(url.split(":", 1)[0].split("+", 1)[0].lower(), "")


def parse_source_query(
    sql: str, *, entity: str, source: str, dialect: str, location: Location | None = None
) -> exp.Query:
    """``sources.<source>.query`` as a SQLGlot SELECT, once the sandbox allowed every part.

    Raises:
        SandboxError: naming the entity, the source, what was refused and where.
    """

    def refuse(reason: str) -> SandboxError:
        shown = sql if len(sql) <= 200 else sql[:200] + "..."
        what = f"entity '{entity}': sources.{source}.query: {reason} (in {shown!r})"
        return SandboxError(what, location)

    tree = parse_one(sql, refuse, dialect, query=True)
    assert isinstance(tree, exp.Query)
    allowed_tree(tree, _query_refusal, refuse)
    return tree


def parse_table_name(
    name: str, *, entity: str, source: str, dialect: str, location: Location | None = None
) -> exp.Table:
    """``sources.<source>.table`` (``[catalog.][schema.]table``) as a SQLGlot table."""
    refused = SandboxError(
        f"entity '{entity}': sources.{source}.table: {name!r} is not a table name "
        "(write table, schema.table or catalog.schema.table)",
        location,
    )
    try:
        table = exp.to_table(name, dialect=dialect)
    except (SqlglotError, ValueError, TypeError, RecursionError):
        raise refused from None
    parts = [table.args.get(k) for k in ("this", "db", "catalog")]
    extra = set(table.args) - {"this", "db", "catalog"}
    if any(table.args.get(k) for k in extra) or table.comments:
        raise refused
    if not all(p is None or isinstance(p, exp.Identifier) for p in parts):
        raise refused
    if not _TABLE_NAME.match(name):
        raise refused
    return table


def _query_refusal(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Table):
        return _table_refusal(node)
    if isinstance(node, exp.Identifier):
        return None if isinstance(node.parent, _NAMED) else refusal(node)
    if isinstance(node, exp.Column):
        return None  # qualified names and t.* read the source's own tables
    if isinstance(node, exp.Into):
        return "SELECT ... INTO is not allowed: a query only reads"
    if isinstance(node, exp.Lock):
        return "row locks (FOR UPDATE / FOR SHARE) are not allowed: a query only reads"
    if isinstance(node, exp.In) and node.args.get("query"):
        return None
    if isinstance(node, _QUERY_NODES):
        return None
    if isinstance(node, exp.DDL | exp.DML | exp.Command):
        return kind_refusal(node)
    return refusal(node)


def _table_refusal(node: exp.Table) -> str | None:
    parts = [node.args.get(k) for k in ("this", "db", "catalog")]
    if all(p is None or isinstance(p, exp.Identifier) for p in parts):
        return None
    name = node.this.sql() if node.this is not None else node.sql()
    return f"table function {name.split('(')[0].lower()!r} is not allowed: read tables only"
