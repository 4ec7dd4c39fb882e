"""SOQL built from an entity's mirror mapping.

The mirror's ``where`` is user-written: it is parsed with SQLGlot and rendered back to SOQL
by a whitelist renderer (columns, literals, comparisons, AND/OR/NOT, IN, LIKE, IS NULL), so
no text from the project file reaches Salesforce unparsed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import cast

import sqlglot
from sqlglot import exp

from vmsdq.core.words import FieldType
from vmsdq.sources.salesforce.errors import SalesforceConfigError
from vmsdq.spec.models import EntitySpec, MirrorField, MirrorSpec

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_COMPARE: dict[type[exp.Expression], str] = {
    exp.EQ: "=",
    exp.NEQ: "!=",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
}
IS_DELETED = "IsDeleted"


def mirror_of(entity: EntitySpec) -> MirrorSpec:
    if entity.mirror is None:
        raise SalesforceConfigError(
            f"entity '{entity.entity}' has no 'mirror:' mapping; a Salesforce source reads "
            "only mirrored entities"
        )
    return entity.mirror


def field_types(entity: EntitySpec) -> dict[str, FieldType]:
    """Salesforce field -> the declared type of our field it maps to (key: string)."""
    mirror = mirror_of(entity)
    types: dict[str, FieldType] = {mirror.key: FieldType.string}
    for ours, theirs in mirror.fields.items():
        name = theirs.field if isinstance(theirs, MirrorField) else theirs
        spec = entity.fields.get(ours)
        types.setdefault(name, spec.type if spec is not None else FieldType.string)
    types[mirror.modstamp] = FieldType.timestamp
    types[IS_DELETED] = FieldType.boolean
    for name in types:
        if not _FIELD.match(name):
            raise SalesforceConfigError(
                f"entity '{entity.entity}': '{name}' is not a valid Salesforce field name"
            )
    return types


def build_query(entity: EntitySpec, *, since: datetime | None = None, count: bool = False) -> str:
    """``SELECT <key, mapped fields, modstamp, IsDeleted> FROM <object> [WHERE ...]``."""
    mirror = mirror_of(entity)
    if not _NAME.match(mirror.object):
        raise SalesforceConfigError(
            f"entity '{entity.entity}': '{mirror.object}' is not a valid Salesforce object name"
        )
    select = "COUNT()" if count else ", ".join(field_types(entity))
    conditions = []
    if mirror.where:
        conditions.append(_where(entity.entity, mirror.where))
    if since is not None:
        conditions.append(f"{mirror.modstamp} > {soql_datetime(since)}")
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    return f"SELECT {select} FROM {mirror.object}{where}"


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC, milliseconds)."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _where(entity: str, text: str) -> str:
    try:
        tree = sqlglot.parse_one(text)
    except sqlglot.errors.ParseError as exc:
        raise SalesforceConfigError(
            f"entity '{entity}': mirror.where does not parse: {text!r} "
            f"({exc.errors[0]['description']})"
        ) from None
    rendered = _render(entity, cast(exp.Expression, tree))
    return f"({rendered})" if isinstance(tree, exp.Or) else rendered


def _render(entity: str, node: exp.Expression) -> str:  # noqa: PLR0911
    if isinstance(node, exp.Column):
        name = ".".join(p.name for p in node.parts)
        if _FIELD.match(name):
            return name
    elif isinstance(node, exp.Literal):
        return _string(node.this) if node.is_string else _number(entity, node.this)
    elif isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    elif isinstance(node, exp.Null):
        return "null"
    elif isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return "-" + _render(entity, node.this)
    elif isinstance(node, exp.Paren):
        return f"({_render(entity, node.this)})"
    elif isinstance(node, exp.And | exp.Or):
        op = "AND" if isinstance(node, exp.And) else "OR"
        return f"{_render(entity, node.this)} {op} {_render(entity, node.expression)}"
    elif isinstance(node, exp.Not):
        return _render_not(entity, node.this)
    elif type(node) in _COMPARE:
        op = _COMPARE[type(node)]
        return f"{_render(entity, node.this)} {op} {_render(entity, node.expression)}"
    elif isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return f"{_render(entity, node.this)} = null"
    elif isinstance(node, exp.Like):
        return f"{_render(entity, node.this)} LIKE {_render(entity, node.expression)}"
    elif isinstance(node, exp.In) and node.expressions:
        values = ", ".join(_render(entity, v) for v in node.expressions)
        return f"{_render(entity, node.this)} IN ({values})"
    raise SalesforceConfigError(
        f"entity '{entity}': mirror.where may only use fields, literals, comparisons, "
        f"AND/OR/NOT, IN, LIKE and IS NULL; not allowed: {node.sql()!r}"
    )


def _render_not(entity: str, inner: exp.Expression) -> str:
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        return f"{_render(entity, inner.this)} != null"
    if isinstance(inner, exp.In):
        return _render(entity, inner).replace(" IN (", " NOT IN (", 1)
    return f"(NOT {_render(entity, inner)})"


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def _number(entity: str, text: str) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    raise SalesforceConfigError(f"entity '{entity}': '{text}' is not a number")
