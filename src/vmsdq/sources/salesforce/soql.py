"""SOQL built from an entity's mirror mapping.

The mirror's ``where`` is user-written: it is parsed with SQLGlot (dates unquoted, as SOQL
writes them; see :mod:`vmsdq.spec.mirror_where`) and rendered back to SOQL by a
whitelist renderer (columns, literals, comparisons, AND/OR/NOT, IN, LIKE, IS NULL), so no text
from the project file reaches Salesforce unparsed. Field names are spelled as ``describe()``
spells them (:class:`Plan`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlglot import exp

from vmsdq.core.words import FieldType
from vmsdq.sources.salesforce.describe import Describe, resolve
from vmsdq.sources.salesforce.errors import SalesforceConfigError
from vmsdq.spec.mirror_where import check_types, literal_of, parse_where
from vmsdq.spec.models import EntitySpec, MirrorField, MirrorSpec

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_COMPARE: dict[type[exp.Expr], str] = {
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


@dataclass(frozen=True)
class Plan:
    """What to select for one entity: snapshot column (the mapping's spelling) -> API name.

    Without ``describe()`` (offline: ``vmsdq check``) the API name is the spelling as written.
    """

    entity: str
    object: str
    columns: dict[str, str]
    types: dict[str, FieldType]
    api_types: dict[str, str] = field(default_factory=dict)  # API name -> describe type
    is_deleted: bool = True  # the object has IsDeleted (User, for one, does not)

    def type_of(self, name: str) -> FieldType | None:
        """Our type for a field named in mirror.where (mapped, or known from describe)."""
        for column, api in self.columns.items():
            if name.lower() in (column.lower(), api.lower()):
                return self.types[column]
        return DESCRIBE_TYPES.get(self.api_types.get(self.api_name(name).lower(), ""))

    def api_name(self, name: str) -> str:
        for column, api in self.columns.items():
            if name.lower() in (column.lower(), api.lower()):
                return api
        return name


DESCRIBE_TYPES = {"date": FieldType.date, "datetime": FieldType.timestamp}


def plan_of(entity: EntitySpec, describe: Describe | None = None) -> Plan:
    """The entity's plan; with ``describe`` every name is checked and spelled as the API does."""
    mirror = mirror_of(entity)
    if not _NAME.match(mirror.object):
        raise SalesforceConfigError(
            f"entity '{entity.entity}': '{mirror.object}' is not a valid Salesforce object name"
        )
    types = field_types(entity)
    if describe is None:
        return Plan(entity.entity, mirror.object, {c: c for c in types}, types)
    info = describe(mirror.object)
    is_deleted = IS_DELETED.lower() in info.fields
    columns, api_types = {}, {}
    for column in types:
        if column == IS_DELETED and not is_deleted:
            continue
        found = resolve(entity.entity, info.name, column, describe)
        columns[column], api_types[found.name.lower()] = found.name, found.type
    for name in _where_fields(entity):
        found = resolve(entity.entity, info.name, name, describe)
        api_types[found.name.lower()] = found.type
    return Plan(entity.entity, info.name, columns, types, api_types, is_deleted)


def build_query(
    entity: EntitySpec,
    plan: Plan | None = None,
    *,
    since: datetime | None = None,
    count: bool = False,
) -> str:
    """``SELECT <key, mapped fields, modstamp, IsDeleted> FROM <object> [WHERE ...]``."""
    mirror = mirror_of(entity)
    plan = plan or plan_of(entity)
    select = "COUNT()" if count else ", ".join(dict.fromkeys(plan.columns.values()))
    conditions = []
    if mirror.where:
        conditions.append(render_where(plan, mirror.where))
    if since is not None:
        conditions.append(f"{plan.api_name(mirror.modstamp)} >= {soql_datetime(since)}")
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    return f"SELECT {select} FROM {plan.object}{where}"


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal (unquoted, UTC, whole seconds as documented)."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_where(plan: Plan, text: str) -> str:
    """``mirror.where`` rendered as SOQL, names in API spelling, dates checked and unquoted."""
    tree = parse_where(plan.entity, text)
    check_types(plan.entity, tree, plan.type_of)
    rendered = _render(plan, tree)
    return f"({rendered})" if isinstance(tree, exp.Or) else rendered


def _where_fields(entity: EntitySpec) -> list[str]:
    mirror = mirror_of(entity)
    if not mirror.where:
        return []
    tree = parse_where(entity.entity, mirror.where)
    return list(dict.fromkeys(".".join(p.name for p in c.parts) for c in tree.find_all(exp.Column)))


def _render(plan: Plan, node: exp.Expr) -> str:  # noqa: PLR0911
    entity = plan.entity
    if isinstance(node, exp.Column):
        name = ".".join(p.name for p in node.parts)
        if _FIELD.match(name):
            return plan.api_name(name)
    elif (literal := literal_of(node)) is not None:
        return literal[1]
    elif isinstance(node, exp.Literal):
        return _string(node.this) if node.is_string else _number(entity, node.this)
    elif isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    elif isinstance(node, exp.Null):
        return "null"
    elif isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return "-" + _render(plan, node.this)
    elif isinstance(node, exp.Paren):
        return f"({_render(plan, node.this)})"
    elif isinstance(node, exp.And | exp.Or):
        op = "AND" if isinstance(node, exp.And) else "OR"
        return f"{_render(plan, node.this)} {op} {_render(plan, node.expression)}"
    elif isinstance(node, exp.Not):
        return _render_not(plan, node.this)
    elif type(node) in _COMPARE:
        op = _COMPARE[type(node)]
        return f"{_render(plan, node.this)} {op} {_render(plan, node.expression)}"
    elif isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return f"{_render(plan, node.this)} = null"
    elif isinstance(node, exp.Like):
        return f"{_render(plan, node.this)} LIKE {_render(plan, node.expression)}"
    elif isinstance(node, exp.In) and node.expressions:
        values = ", ".join(_render(plan, v) for v in node.expressions)
        return f"{_render(plan, node.this)} IN ({values})"
    raise SalesforceConfigError(
        f"entity '{entity}': mirror.where may only use fields, literals, comparisons, "
        f"AND/OR/NOT, IN, LIKE and IS NULL; not allowed: {node.sql()!r}"
    )


def _render_not(plan: Plan, inner: exp.Expr) -> str:
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
        return f"{_render(plan, inner.this)} != null"
    if isinstance(inner, exp.In):
        return _render(plan, inner).replace(" IN (", " NOT IN (", 1)
    return f"(NOT {_render(plan, inner)})"


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def _number(entity: str, text: str) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return text
    raise SalesforceConfigError(f"entity '{entity}': '{text}' is not a number")
