"""A row's key: the one definition the flags table, failure rows and incremental runs share.

Each part of the key is read twice, typed (the exact cast of ``checks.exact``) and as the
source holds it. A part is its **typed value** where that is what the source holds: a typed
column (Parquet, a database, Salesforce) or text that is the typed value's own spelling
(``'18'``, ``'2024-01-01'``, ``'2013-01-01 05:00:00'``). Any other part is **the text as
read**: a value that does not cast (``'17.5'``, ``'0x1F'``, ``'1e3'``, ``''``, a number beyond
BIGINT, ``'24-01-01'``) and one that casts but is written otherwise (``' 18'``, ``'18.0'``,
``'+18'``). A NULL part stays NULL.

A one-field key is that part as text: for a text column simply the text as read, so two
rows share a key only when they hold the same text, and no row whose value does not cast
loses its key. A composite key is a JSON array of its parts: typed parts keep their JSON
type (``["x",7]``), parts as read are strings (``["x","17.5"]``, ``["x"," 7"]``).

The typed value of a part is what relations compare (uniqueness, references, order,
transitions): ``'18'`` and ``' 18'`` are one value to them but two keys here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from vmsdq.checks.exact import exact_cast
from vmsdq.checks.model import CompiledEntity
from vmsdq.checks.sql import RAW_SUFFIX, cast, col, raw_col

IN_DATABASE = "key_in_database"  # meta key: the key a database writes (see in_database)

Part = tuple[exp.Expr, exp.Expr]  # (typed value, value as read)


def key_columns(entity: CompiledEntity) -> set[str]:
    """The ``base`` columns ``row_key`` reads: each key field typed and as read."""
    return {name for k in entity.keys for name in (k, k + RAW_SUFFIX)}


def row_key(entity: CompiledEntity) -> exp.Expr:
    """The key over ``base`` (``plan.base_select`` with ``key_columns``)."""
    return key_of([(col(k), raw_col(k)) for k in entity.keys])


def view_key(entity: CompiledEntity) -> exp.Expr:
    """The same key over the entity's view itself (its columns as the source holds them)."""
    columns = {c.name: c for c in entity.columns}
    parts: list[Part] = []
    for k in entity.keys:
        raw = col(k, None)
        typed = exact_cast(raw, columns[k].sql_type, nonfinite=columns[k].nonfinite)
        parts.append((typed, raw.copy()))
    return key_of(parts)


def key_of(parts: Sequence[Part]) -> exp.Expr:
    """The key of (typed, as read) parts, as text (see the module docstring)."""
    if len(parts) == 1:
        typed, raw = parts[0]
        typed_text = exp.Coalesce(this=_text(typed), expressions=[_text(raw)])
        key: exp.Expr = exp.Case(
            ifs=[exp.If(this=_is_text(raw), true=_text(raw))], default=typed_text
        )
        key.meta[IN_DATABASE] = typed_text.copy()
        return key
    members = [_json_part(typed, raw) for typed, raw in parts]
    key = _text(exp.JSONArray(expressions=members))
    key.meta[IN_DATABASE] = _text(exp.JSONArray(expressions=[t.copy() for t, _ in parts]))
    return key


def in_database(node: exp.Expr) -> exp.Expr | None:
    """The key as a database writes it, where ``node`` is a key (else None).

    A database has no ``typeof``, and where a check goes down every key part casts exactly
    (its column's type is the field's: ``sql_dialect.SAFE_CASTS``), so the key is the typed
    value as text, as DuckDB writes it; the value as read stands in should a cast still be
    NULL. Number keys (databases write ``20000.0`` as ``20000``) and composite keys never
    go down (``planner.split_by_capabilities``).
    """
    plain = node.meta.get(IN_DATABASE)
    return plain.copy() if isinstance(plain, exp.Expr) else None


def _json_part(typed: exp.Expr, raw: exp.Expr) -> exp.Expr:
    """A composite key's member: the typed value as JSON where it is what was read."""
    spelled = exp.EQ(this=_text(typed), expression=_text(raw))
    own = exp.or_(exp.not_(_is_text(raw)), spelled)
    is_typed = exp.and_(exp.not_(exp.Is(this=typed.copy(), expression=exp.null())), exp.paren(own))
    as_json = exp.If(this=is_typed, true=exp.func("to_json", typed.copy()))
    return exp.Case(ifs=[as_json], default=exp.func("to_json", _text(raw)))


def _is_text(raw: exp.Expr) -> exp.Expr:
    """The source column holds text (DuckDB folds ``typeof`` of a column to a constant)."""
    return exp.EQ(this=exp.func("typeof", raw.copy()), expression=exp.Literal.string("VARCHAR"))


def _text(value: exp.Expr) -> exp.Cast:
    return cast(value.copy(), "VARCHAR")
