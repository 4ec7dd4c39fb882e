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

from vmsdq.core.tolerance import Tolerance
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
class Distribution:
    """A table check the engine computes in Python (scipy): the distribution of ``column``
    in the entity's rows against the same column in view ``reference`` (another run)."""

    column: str
    reference: str  # the view holding the reference rows
    method: str  # ks | chi_square | psi
    threshold: float
    numeric: bool  # the column holds numbers, dates or timestamps (else categories)
    bins: int = 10  # psi over numbers: quantile bins of the reference


@dataclass(frozen=True)
class Change:
    """How far a table check's observed value may move from its baseline in the results
    store: the previous completed run's value, or the mean over the last 7 days."""

    compare_to: Literal["previous", "mean_7d"]
    max_percent: float | None = None
    max_delta: float | None = None
    bounded: bool = False  # the check has min / max too (decides a first run alone)


@dataclass(frozen=True)
class SchemaExpectation:
    """One schema check, compared with the columns the source delivers (not a query).

    ``kind``: required_columns | forbidden_columns | types | column_count | order.
    """

    kind: str
    columns: tuple[str, ...] = ()  # required, forbidden, or in order
    types: tuple[tuple[str, str], ...] = ()  # column -> FieldType value
    count: int | None = None


@dataclass(frozen=True)
class Check:
    name: str
    entity: str
    kind: str  # rule type: required, format, unique, reference, expression, aggregate, ...
    dimension: Dimension
    severity: Severity
    weight: float
    description: str
    scope: Literal["row", "table", "schema"] = "row"
    fails: exp.Expr = field(default_factory=lambda: exp.false())
    applies: exp.Expr | None = None  # row scope: evaluated only where TRUE
    values: tuple[tuple[str, exp.Expr], ...] = ()  # offending values recorded per failure
    relations: tuple[Relation, ...] = ()
    strict: tuple[StrictValues, ...] = ()
    metric: exp.Expr | None = None  # table scope: aggregate over base rows
    distribution: Distribution | None = None  # table scope: computed in Python instead
    source: str = ""  # where the rule was declared, file:line
    tolerance: Tolerance | None = None  # fail_when / warn_when / mostly; None: the severity
    label: str = ""  # table scope: what ``metric`` measures, for messages ("mean of hours")
    change: Change | None = None  # table scope: limit on the move from the stored baseline
    expect: SchemaExpectation | None = None  # schema scope


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
    # a composite key's fields (``key`` is then the first); empty for a one-field key
    key_parts: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The key's fields: ``(key,)``, or every part of a composite key."""
        return self.key_parts or (self.key,)
