"""The checks' SQL (written for DuckDB) rewritten for a database, as its flags say.

Views become the database's tables and declared columns their real names; rows' keys are
written without DuckDB's ``typeof`` (``keys.in_database``); ``TRY_CAST``
stays only where the database has it, else becomes ``CAST`` where the column's type casts
safely (and the check is refused otherwise); RE2 full matches become the database's regex,
epochs and aggregate filters are written the way the database understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import sqlglot
from sqlglot import exp

from vmsdq.checks.exact import plain_cast
from vmsdq.checks.sql import CONTENT
from vmsdq.engine.backend import Capabilities
from vmsdq.engine.keys import in_database

Columns = Mapping[str, Mapping[str, str]]  # view -> real column name -> database type name
NodeT = TypeVar("NodeT", bound=exp.Expr)

# Types a column of each database type (SQLAlchemy class name, lower case) casts to with
# exactly DuckDB's results. Numbers never cast to text: PostgreSQL writes 20000 where DuckDB
# writes 20000.0; PostgreSQL's CHAR(n) loses its padding in a cast. An unknown type casts to
# nothing (the check stays in DuckDB).
_INTEGER = {"BIGINT", "DOUBLE", "VARCHAR"}
_NUMBER = {"DOUBLE"}
_TEXT = {"VARCHAR"}
SAFE_CASTS: dict[str, set[str]] = {
    **dict.fromkeys(("integer", "int", "smallint", "bigint", "tinyint", "mediumint"), _INTEGER),
    **dict.fromkeys(("numeric", "decimal", "float", "double", "double_precision", "real"), _NUMBER),
    "date": {"DATE", "TIMESTAMP", "VARCHAR"},
    "datetime": {"TIMESTAMP", "VARCHAR"},
    "timestamp": {"TIMESTAMP", "VARCHAR"},
    "boolean": {"BOOLEAN", "VARCHAR"},
    **dict.fromkeys(("varchar", "nvarchar", "text", "string", "enum"), _TEXT),
    **dict.fromkeys(("uuid", "tinytext", "mediumtext", "longtext", "citext"), _TEXT),
}
TYPE_NAMES = {"TEXT": "VARCHAR", "INT": "BIGINT", "FLOAT": "DOUBLE", "DATETIME": "TIMESTAMP"}
UNIX_EPOCH = "1970-01-01 00:00:00"
BLANKS = (" ", "\t", "\r", "\n")  # the characters CONTENT excludes


class UnsafeCastError(ValueError):
    """A ``TRY_CAST`` the database cannot do safely (it has no TRY_CAST)."""


def for_database(
    query: exp.Expr,
    caps: Capabilities,
    tables: Mapping[str, str],
    columns: Columns,
    renames: Mapping[str, Mapping[str, str]] | None = None,
) -> exp.Expr:
    """``query`` over the database's tables, written as ``caps`` allows.

    Args:
        query: SQL over views named by entity (as compiled for DuckDB); not modified.
        caps: the database's capabilities.
        tables: view -> table in the database (in its dialect).
        columns: view -> the table's real column names and their types.
        renames: view -> field -> the table's column where its name differs
            (``CompiledEntity.source_columns``); the query reads views by field name.

    Raises:
        UnsafeCastError: a cast the database could only do unsafely.
    """
    ctes = {cte.alias for cte in query.find_all(exp.CTE)}
    views = {name: table for name, table in tables.items() if name not in ctes}
    out = query.copy().transform(_database_key)
    for select, view in _view_selects(out, views):
        _plain_casts(select)  # before the renames: the guard's plain cast names the field
        _real_columns(select, columns.get(view, {}), (renames or {}).get(view, {}))
        if not caps.supports_try_cast:
            _safe_casts(select, columns.get(view, {}))

    out = out.transform(lambda node: _leaf(node, caps, views))
    out = out.transform(lambda node: _structure(node, caps))
    if caps.timestamp_precision is not None:
        precise = exp.DataType.build(f"TIMESTAMP({caps.timestamp_precision})")
        out = out.transform(lambda node: precise.copy() if _is_bare_timestamp(node) else node)
    return out


def _database_key(node: exp.Expr) -> exp.Expr:
    plain = in_database(node)
    return node if plain is None else plain


def _leaf(node: exp.Expr, caps: Capabilities, views: Mapping[str, str]) -> exp.Expr:
    """Tables renamed; TRY_CAST, blank tests and full matches as the database writes them."""
    if isinstance(node, exp.Table) and not node.db and node.name in views:
        renamed = exp.to_table(views[node.name], dialect=caps.dialect)
        if node.alias:
            renamed.set("alias", node.args["alias"])
        return renamed
    if isinstance(node, exp.TryCast) and not caps.supports_try_cast:
        raise UnsafeCastError(f"{node.sql()} reads no column of a table")
    if is_blank_test(node) and not caps.supports_regex:
        return _has_content(node.this)
    if isinstance(node, exp.RegexpFullMatch):
        pattern = exp.Literal.string(caps.full_match.format(node.expression.name))
        return exp.RegexpLike(this=node.this, expression=pattern)
    return node


def _structure(node: exp.Expr, caps: Capabilities) -> exp.Expr:
    """Epochs and aggregate filters, over arguments already rewritten."""
    if _is_epoch(node):
        return _epoch(node.expressions[0] if node.expressions else node.this, caps)
    if isinstance(node, exp.Filter) and not caps.supports_aggregate_filter:
        return _case_filter(node)
    return node


def to_sql(query: exp.Expr, caps: Capabilities) -> str:
    """The query in the database's dialect; what SQLGlot cannot write there raises."""
    return query.sql(dialect=caps.dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def is_blank_test(node: exp.Expr) -> bool:
    """``x ~ CONTENT``: the text has a character other than blanks (``checks.sql``)."""
    return isinstance(node, exp.RegexpLike) and node.expression == exp.Literal.string(CONTENT)


def real_column(wanted: str, available: Mapping[str, str]) -> str | None:
    """The table's column for a declared name: exact, else the only case-insensitive match."""
    if wanted in available:
        return wanted
    folded = [name for name in available if name.lower() == wanted.lower()]
    return folded[0] if len(folded) == 1 else None


def _view_selects(query: exp.Expr, views: Mapping[str, str]) -> list[tuple[exp.Select, str]]:
    """Every SELECT reading straight from a view, with that view's name."""
    found = []
    for select in query.find_all(exp.Select):
        source = select.args.get("from_")
        table = source.this if source is not None else None
        if isinstance(table, exp.Table) and not table.db and table.name in views:
            found.append((select, table.name))
    return found


def _real_columns(
    select: exp.Select, available: Mapping[str, str], renames: Mapping[str, str]
) -> None:
    """Rename, in place, the view's columns ``select`` reads to the table's real names."""
    for column in _own(select, exp.Column):
        wanted = renames.get(column.name, column.name)
        real = real_column(wanted, available) if not column.table else None
        if real is not None and real != column.name:
            column.set("this", exp.to_identifier(real, quoted=True))


def _plain_casts(select: exp.Select) -> None:
    """Exact casts (DuckDB's guards) as plain casts: the database casts exactly or the cast
    is refused by ``_safe_casts``."""
    for guarded in _own(select, exp.Case):
        plain = plain_cast(guarded)
        if plain is not None:
            guarded.replace(plain)


def _safe_casts(select: exp.Select, available: Mapping[str, str]) -> None:
    """Turn, in place, each TRY_CAST of a column into CAST where its type casts safely."""
    for node in _own(select, exp.TryCast):
        column = node.this
        if not isinstance(column, exp.Column) or column.table:
            continue
        target = TYPE_NAMES.get(node.to.this.name, node.to.this.name)
        db_type = available.get(column.name, "")
        if target not in SAFE_CASTS.get(db_type, set()):
            raise UnsafeCastError(f"column '{column.name}' ({db_type}) does not cast to {target}")
        node.replace(exp.Cast(this=column.copy(), to=node.to.copy()))


def _own(select: exp.Select, kind: type[NodeT]) -> list[NodeT]:
    """Nodes of ``kind`` in ``select`` itself, not in the subqueries it holds."""
    return [n for n in select.find_all(kind) if n.find_ancestor(exp.Select) is select]


def _has_content(value: exp.Expr) -> exp.Expr:
    """The blank test without a regex: the text without blanks is not empty."""
    stripped = value.copy()
    for blank in BLANKS:
        stripped = exp.func("REPLACE", stripped, exp.Literal.string(blank), exp.Literal.string(""))
    return exp.NEQ(this=stripped, expression=exp.Literal.string(""))


def _is_bare_timestamp(node: exp.Expr) -> bool:
    is_type = isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMP
    return is_type and not node.expressions


def _is_epoch(node: exp.Expr) -> bool:
    if isinstance(node, exp.TimeToUnix):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() == "EPOCH"


def _epoch(value: exp.Expr, caps: Capabilities) -> exp.Expr:
    """Seconds since 1970 (with microseconds) of a timestamp, as the database writes it."""
    if caps.supports_epoch:
        return exp.TimeToUnix(this=value)
    start = exp.cast(exp.Literal.string(UNIX_EPOCH), "TIMESTAMP")
    micros = exp.TimestampDiff(this=value, expression=start, unit=exp.var("MICROSECOND"))
    return exp.Div(this=micros, expression=exp.Literal.number("1e6"))


def _case_filter(node: exp.Filter) -> exp.Expr:
    """``AGG(x) FILTER (WHERE c)`` as ``AGG(CASE WHEN c THEN x END)`` (COUNT(*): x = 1)."""
    aggregate: exp.Expr = node.this.copy()
    condition = node.expression.this
    argument = aggregate.this
    value = exp.Literal.number(1) if isinstance(argument, exp.Star) else argument
    aggregate.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=value.copy())]))
    return aggregate
