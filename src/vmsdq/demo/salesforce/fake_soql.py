"""The SOQL subset the fake Salesforce server understands, compiled to DuckDB SQL.

``SELECT f1, Rel.f2, Compound | COUNT() FROM Object [WHERE ...] [ORDER BY ...] [LIMIT n]``
where the condition uses comparisons, ``AND``/``OR``/``NOT``, ``IN``, ``LIKE`` and ``= null``.
Relationship fields (``Account.Name``) become LEFT JOINs; compound fields (``MailingAddress``)
select their components. Dates and datetimes are unquoted, as in SOQL; a quoted value
compared with a date or datetime field is refused with Salesforce's message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})"
_DATE = r"\d{4}-\d{2}-\d{2}"
_TOKENS = re.compile(rf"'(?:\\.|[^'\\])*'|({_DATETIME})|(?<![\w'-])({_DATE})(?![\w'T:-])")
_MARKS = {"SOQL_DATETIME": "timestamptz", "SOQL_DATE": "date"}
_ALLOWED = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or, exp.Not,
    exp.In, exp.Like, exp.Is, exp.Neg,
)  # fmt: skip
BASE = "b"


class SoqlError(Exception):
    """A query Salesforce would reject; ``code`` is the Salesforce ``errorCode``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Schema:
    """What the compiler knows of the org: fields, types, relationships, compound fields."""

    columns: Mapping[str, Sequence[str]]  # object -> field names
    types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # obj -> field -> type
    relationships: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    compounds: Mapping[str, Mapping[str, dict[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledSoql:
    object: str  # the object's name as loaded
    fields: list[str]  # selected fields in API spelling (Account.Name); empty for COUNT()
    sql: str  # DuckDB SQL over the views named ``view_name(object)``
    count_only: bool
    parents: dict[str, str] = field(default_factory=dict)  # relationship path -> object
    compounds: list[str] = field(default_factory=list)  # selected compound fields


def view_name(obj: str) -> str:
    return f"sobject_{obj.lower()}"


def compile_soql(soql: str, schema: Schema, *, include_deleted: bool) -> CompiledSoql:
    """Compile ``soql``; raises ``SoqlError`` where Salesforce would reject it."""
    marked = _TOKENS.sub(_mark, soql)
    try:
        tree = sqlglot.parse_one(marked, read="mysql")
    except sqlglot.errors.ParseError as exc:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {soql}") from exc
    if not isinstance(tree, exp.Select) or tree.args.get("joins") or not tree.args.get("from_"):
        raise SoqlError("MALFORMED_QUERY", f"only SELECT ... FROM one object is supported: {soql}")
    build = _Builder(schema, _object(tree, schema.columns), soql)
    return build.compile(tree, include_deleted)


def _mark(m: re.Match[str]) -> str:
    if m[1]:
        return f"SOQL_DATETIME('{m[1]}')"
    if m[2]:
        return f"SOQL_DATE('{m[2]}')"
    return m[0]


def _object(tree: exp.Select, columns: Mapping[str, Sequence[str]]) -> str:
    table = tree.args["from_"].this
    name = table.name if isinstance(table, exp.Table) else ""
    for obj in columns:
        if obj.lower() == name.lower():
            return obj
    raise SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported.")


class _Builder:
    """Resolves names (relationships as joins) while compiling one query."""

    def __init__(self, schema: Schema, obj: str, soql: str) -> None:
        self.schema, self.obj, self.soql = schema, obj, soql
        self.joins: dict[str, tuple[str, str]] = {}  # path (lower) -> (alias, object)
        self.fks: dict[str, tuple[str, str, str]] = {}  # path (lower) -> (alias, obj, fk)
        self.parents: dict[str, str] = {}  # path (API spelling) -> object
        self.items: list[exp.Expr] = []

    def compile(self, tree: exp.Select, include_deleted: bool) -> CompiledSoql:
        count_only, fields, compounds = self._select_list(tree)
        where = tree.args.get("where")
        condition = self._condition(where.this) if where else None
        if not include_deleted:
            deleted = self.column(BASE, self.obj, "IsDeleted")
            alive = deleted.is_(exp.false()).or_(deleted.copy().is_(exp.null()))
            condition = alive if condition is None else exp.and_(exp.paren(condition), alive)
        query = exp.select(*(self.items or [exp.Star()])).from_(
            exp.to_table(view_name(self.obj), alias=BASE, quoted=True)
        )
        for alias, target, on in self._join_list():
            query = query.join(exp.to_table(view_name(target), alias=alias, quoted=True), on=on,
                               join_type="left")  # fmt: skip
        if condition is not None:
            query = query.where(condition)
        if count_only:
            query = exp.select(exp.Count(this=exp.Star())).from_(query.subquery("q"))
        else:
            query = self._order_limit(tree, query)
        return CompiledSoql(
            self.obj, fields, query.sql("duckdb"), count_only, dict(self.parents), compounds
        )

    def column(self, alias: str, obj: str, name: str) -> exp.Column:
        found = {c.lower(): c for c in self.schema.columns[obj]}.get(name.lower())
        if found is None:
            raise SoqlError("INVALID_FIELD", invalid_field(self.soql, name, obj))
        return exp.column(found, table=alias, quoted=True)

    def resolve(self, parts: list[str]) -> tuple[exp.Column, str, str]:
        """(SQL column, API spelling, field type) of ``Rel.Rel.Field`` from the base object."""
        alias, obj, spelled = BASE, self.obj, []
        for hop in parts[:-1]:
            rels = {k.lower(): (k, v) for k, v in self.schema.relationships.get(obj, {}).items()}
            if hop.lower() not in rels:
                raise SoqlError("INVALID_FIELD", invalid_field(self.soql, ".".join(parts), obj))
            name, (fk, target) = rels[hop.lower()]
            spelled.append(name)
            path = ".".join(spelled)
            if path.lower() not in self.joins:
                self.joins[path.lower()] = (f"r{len(self.joins)}", target)
                self.fks[path.lower()] = (alias, obj, fk)
                self.parents[path] = target
            alias, obj = self.joins[path.lower()][0], target
        column = self.column(alias, obj, parts[-1])
        kind = self.schema.types.get(obj, {}).get(column.name, "string")
        return column, ".".join([*spelled, column.name]), kind

    def _join_list(self) -> list[tuple[str, str, exp.Expr]]:
        out: list[tuple[str, str, exp.Expr]] = []
        for path, (alias, target) in self.joins.items():
            parent_alias, parent, fk = self.fks[path]
            on = exp.EQ(this=self.column(parent_alias, parent, fk),
                        expression=exp.column("Id", table=alias, quoted=True))  # fmt: skip
            out.append((alias, target, on))
        return out

    def _select_list(self, tree: exp.Select) -> tuple[bool, list[str], list[str]]:
        items = tree.expressions
        if len(items) == 1 and isinstance(items[0], exp.Count) and items[0].this is None:
            return True, [], []
        fields, compounds = [], []
        for item in items:
            if not isinstance(item, exp.Column):
                raise SoqlError("MALFORMED_QUERY", f"unsupported select item: {item.sql()}")
            parts = [p.name for p in item.parts]
            compound = self._compound(parts)
            if compound is not None:
                compounds.append(compound)
                fields.append(compound)
                continue
            column, name, _ = self.resolve(parts)
            self.items.append(exp.alias_(column, name, quoted=True))
            fields.append(name)
        for path in self.parents:  # the parent's Id tells "no parent" (null) from null fields
            alias = self.joins[path.lower()][0]
            self.items.append(exp.alias_(exp.column("Id", table=alias, quoted=True),
                                         f"__parent:{path}", quoted=True))  # fmt: skip
        return False, fields, compounds

    def _compound(self, parts: list[str]) -> str | None:
        if len(parts) != 1:
            return None
        known = {k.lower(): (k, v) for k, v in self.schema.compounds.get(self.obj, {}).items()}
        if parts[0].lower() not in known:
            return None
        name, components = known[parts[0].lower()]
        for key, column in components.items():
            self.items.append(exp.alias_(self.column(BASE, self.obj, column),
                                         f"__compound:{name}:{key}", quoted=True))  # fmt: skip
        return name

    def _condition(self, node: exp.Expr) -> exp.Expr:
        for n in node.walk():
            marker = isinstance(n, exp.Anonymous) and n.name.upper() in _MARKS
            inside = isinstance(n.parent, exp.Anonymous)
            if not isinstance(n, _ALLOWED) and not marker and not inside:
                raise SoqlError("MALFORMED_QUERY", f"unsupported in WHERE: {n.sql()}")
        for compare in node.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
            self._check_literal(compare)

        def rewrite(n: exp.Expr) -> exp.Expr:
            if isinstance(n, exp.Anonymous) and n.name.upper() in _MARKS:
                to = exp.DataType.build(_MARKS[n.name.upper()])
                return exp.cast(n.expressions[0].copy(), to)
            if isinstance(n, exp.Column):
                return self.resolve([p.name for p in n.parts])[0]
            if isinstance(n, exp.EQ | exp.NEQ) and isinstance(n.expression, exp.Null):
                test = exp.Is(this=rewrite(n.this.copy()), expression=exp.null())
                return test if isinstance(n, exp.EQ) else exp.not_(test)
            return n

        return node.copy().transform(rewrite)

    def _check_literal(self, compare: exp.Expr) -> None:
        if not isinstance(compare.this, exp.Column):
            return
        _, name, kind = self.resolve([p.name for p in compare.this.parts])
        value = compare.args.get("expression")
        wanted = {"date": "date", "datetime": "dateTime"}.get(kind)
        if wanted and isinstance(value, exp.Literal) and value.is_string:
            raise SoqlError(
                "INVALID_FIELD",
                f"\n{self.soql}\n^\nERROR at Row:1:Column:1\nvalue of filter criterion for "
                f"field '{name}' must be of type {wanted} and should not be enclosed in quotes",
            )

    def _order_limit(self, tree: exp.Select, query: exp.Select) -> exp.Select:
        order = tree.args.get("order")
        if order is not None:
            for ordered in order.expressions:
                if not isinstance(ordered.this, exp.Column):
                    raise SoqlError("MALFORMED_QUERY", f"unsupported ORDER BY: {ordered.sql()}")
                column = self.resolve([p.name for p in ordered.this.parts])[0]
                query = query.order_by(exp.Ordered(this=column, desc=ordered.args.get("desc")))
        limit = tree.args.get("limit")
        if limit is not None:
            query = query.limit(limit.expression.copy())
        return query


def invalid_field(soql: str, name: str, obj: str) -> str:
    """Salesforce's multi-line INVALID_FIELD message (query, caret, row and column)."""
    column = max(soql.find(name), 0) + 1
    return (
        f"\n{soql}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n"
        f"No such column '{name}' on entity '{obj}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    )
