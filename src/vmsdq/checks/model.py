"""The compiled form of rules: what the engine executes.

A ``Check`` is a rule turned into SQLGlot expressions over one entity's rows. Row checks say
when a row *is evaluated* (``applies``) and when it *fails* (``fails``); a row fails only when
``fails`` is TRUE (NULL counts as not failing, like an SQL CHECK constraint). Table checks
compute one aggregate ``metric`` and fail when ``fails`` (written over the alias ``metric``)
is TRUE. Relations are extra inputs (another entity, an aggregate, a previous snapshot)
joined once per entity, shared by every check that names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from vmsdq.core.words import Dimension, Severity

BASE = "base"  # alias of the entity's own rows inside the compiled query


@dataclass(frozen=True)
class Relation:
    """A derived table joined to the entity rows: ``LEFT JOIN (query) AS alias ON on``.

    ``query`` must yield at most one row per join key so joining never duplicates rows.
    Identical relations (same alias) are joined once however many checks use them.
    """

    alias: str
    query: exp.Query
    on: exp.Expr


@dataclass(frozen=True)
class StrictValues:
    """Distinct values of ``column`` validated in Python (email-validator / phonenumbers).

    The engine collects the distinct non-null values, calls ``validator`` on each and exposes
    the invalid ones as table ``table`` with one column ``v``; checks test membership.
    """

    table: str
    column: str
    validator: str  # "email" | "phone:<REGION>"


@dataclass(frozen=True)
class Check:
    name: str
    entity: str
    kind: str  # rule type: required, format, unique, reference, expression, aggregate, ...
    dimension: Dimension
    severity: Severity
    weight: float
    description: str
    scope: Literal["row", "table"] = "row"
    fails: exp.Expr = field(default_factory=lambda: exp.false())
    applies: exp.Expr | None = None  # row scope: evaluated only where TRUE
    values: tuple[tuple[str, exp.Expr], ...] = ()  # offending values recorded per failure
    relations: tuple[Relation, ...] = ()
    strict: tuple[StrictValues, ...] = ()
    metric: exp.Expr | None = None  # table scope: aggregate over base rows
    source: str = ""  # where the rule was declared, file:line


@dataclass(frozen=True)
class ColumnSpec:
    name: str  # name used by rules
    source_name: str  # name in the data
    sql_type: str  # DuckDB type the engine casts to (TRY_CAST)
    nonfinite: bool = False  # NaN and the infinities are values of the type (allow_nonfinite)


@dataclass(frozen=True)
class CompiledEntity:
    """Everything the engine needs for one entity; no YAML, no source details."""

    name: str
    key: str
    columns: tuple[ColumnSpec, ...]
    checks: tuple[Check, ...]
    needs: tuple[str, ...] = ()  # other entities (or "<entity>__previous") its checks read
    # view -> field -> column in the source, where they differ: the checks read views by
    # field name (sources rename); a database table still has the source's names (pushdown)
    source_columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
