"""The SOQL subset the fake Salesforce server understands, compiled to DuckDB SQL.

``SELECT f1, f2 | COUNT() FROM Object [WHERE ...] [ORDER BY ...] [LIMIT n]`` where the
condition uses comparisons, ``AND``/``OR``/``NOT``, ``IN``, ``LIKE`` and ``= null``. Unquoted
datetime literals (``SystemModstamp > 2024-01-01T00:00:00Z``) are supported. Parsing is
SQLGlot's (MySQL dialect: backslash escapes in strings, as in SOQL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})"
_TOKENS = re.compile(rf"'(?:\\.|[^'\\])*'|({_DATETIME})")
_MARK = "SOQL_DATETIME"
_ALLOWED = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or, exp.Not,
    exp.In, exp.Like, exp.Is, exp.Neg,
)  # fmt: skip


class SoqlError(Exception):
    """A query Salesforce would reject; ``code`` is the Salesforce ``errorCode``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class CompiledSoql:
    object: str  # the object's name as loaded
    fields: list[str]  # selected fields, as loaded; empty for COUNT()
    sql: str  # DuckDB SQL over the view named ``view_name(object)``
    count_only: bool


def view_name(obj: str) -> str:
    return f"sobject_{obj.lower()}"


def compile_soql(
    soql: str, schemas: Mapping[str, Sequence[str]], *, include_deleted: bool
) -> CompiledSoql:
    """Compile ``soql`` for the objects in ``schemas`` (object -> field names)."""
    marked = _TOKENS.sub(lambda m: f"{_MARK}('{m[1]}')" if m[1] else m[0], soql)
    try:
        tree = sqlglot.parse_one(marked, read="mysql")
    except sqlglot.errors.ParseError as exc:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {soql}") from exc
    if not isinstance(tree, exp.Select) or tree.args.get("joins") or not tree.args.get("from_"):
        raise SoqlError("MALFORMED_QUERY", f"only SELECT ... FROM one object is supported: {soql}")
    obj = _object(tree, schemas)
    columns = {c.lower(): c for c in schemas[obj]}
    count_only, fields = _select_list(tree, obj, columns)
    where = tree.args.get("where")
    condition: exp.Expression | None = _condition(where.this, obj, columns) if where else None
    if not include_deleted:
        alive = (
            exp.column("IsDeleted", quoted=True)
            .is_(exp.false())
            .or_(exp.column("IsDeleted", quoted=True).is_(exp.null()))
        )
        condition = alive if condition is None else exp.and_(exp.paren(condition), alive)  # type: ignore[assignment]
    items: list[exp.Expression] = [exp.column(f, quoted=True) for f in fields]
    select = exp.select(*(items or [exp.Star()]))
    query = select.from_(exp.to_identifier(view_name(obj), quoted=True))
    if condition is not None:
        query = query.where(condition)
    if count_only:
        query = exp.select(exp.Count(this=exp.Star())).from_(query.subquery("q"))
    else:
        query = _order_limit(tree, query, obj, columns)
    return CompiledSoql(obj, fields, query.sql("duckdb"), count_only)


def _object(tree: exp.Select, schemas: Mapping[str, Sequence[str]]) -> str:
    table = tree.args["from_"].this
    name = table.name if isinstance(table, exp.Table) else ""
    for obj in schemas:
        if obj.lower() == name.lower():
            return obj
    raise SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported.")


def _select_list(tree: exp.Select, obj: str, columns: dict[str, str]) -> tuple[bool, list[str]]:
    items = tree.expressions
    if len(items) == 1 and isinstance(items[0], exp.Count) and items[0].this is None:
        return True, []
    fields: list[str] = []
    for item in items:
        if not isinstance(item, exp.Column):
            raise SoqlError("MALFORMED_QUERY", f"unsupported select item: {item.sql()}")
        fields.append(_field(item, obj, columns))
    return False, fields


def _field(column: exp.Column, obj: str, columns: dict[str, str]) -> str:
    name = ".".join(p.name for p in column.parts)
    found = columns.get(name.lower())
    if found is None:
        raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{obj}'.")
    return found


def _condition(node: exp.Expression, obj: str, columns: dict[str, str]) -> exp.Expression:
    def rewrite(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Anonymous) and n.name.upper() == _MARK:
            return exp.cast(n.expressions[0].copy(), exp.DataType.build("timestamptz"))
        if isinstance(n, exp.Column):
            return exp.column(_field(n, obj, columns), quoted=True)
        if isinstance(n, exp.EQ | exp.NEQ) and isinstance(n.expression, exp.Null):
            test = exp.Is(this=rewrite(n.this.copy()), expression=exp.null())
            return test if isinstance(n, exp.EQ) else exp.not_(test)
        return n

    for n in node.walk():
        marker = isinstance(n, exp.Anonymous) and n.name.upper() == _MARK
        inside = isinstance(n.parent, exp.Anonymous)
        if not isinstance(n, _ALLOWED) and not marker and not inside:
            raise SoqlError("MALFORMED_QUERY", f"unsupported in WHERE: {n.sql()}")
    return node.copy().transform(rewrite)


def _order_limit(
    tree: exp.Select, query: exp.Select, obj: str, columns: dict[str, str]
) -> exp.Select:
    order = tree.args.get("order")
    if order is not None:
        for ordered in order.expressions:
            if not isinstance(ordered.this, exp.Column):
                raise SoqlError("MALFORMED_QUERY", f"unsupported ORDER BY: {ordered.sql()}")
            column = exp.column(_field(ordered.this, obj, columns), quoted=True)
            query = query.order_by(exp.Ordered(this=column, desc=ordered.args.get("desc")))
    limit = tree.args.get("limit")
    if limit is not None:
        query = query.limit(limit.expression.copy())
    return query
