"""Spec models of the rules about the shape of data: JSON text, order, relative counts, drift.

``json`` is field shorthand (``json_text: true`` or ``json_text: {schema: {...}}``); ``monotonic``,
``row_count_compare`` and ``drift`` are written under ``rules:``. Semantics: docs/rules.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from vmsdq.spec.models import Column, Columns, Condition, RuleMeta, WrittenRule
from vmsdq.spec.refs import Entity, Expression


class JsonOpts(RuleMeta):
    """A present text value must parse as JSON and, with ``schema``, conform to it."""

    schema_: dict[str, Any] | None = Field(default=None, alias="schema")

    @model_validator(mode="after")
    def _schema_is_valid(self) -> JsonOpts:
        if self.schema_ is not None:
            from jsonschema import exceptions, validators

            try:
                validators.validator_for(self.schema_).check_schema(self.schema_)
            except exceptions.SchemaError as e:
                where = "/".join(str(p) for p in e.absolute_path) or "the top"
                raise ValueError(f"not a valid JSON Schema (at {where}): {e.message}") from None
        return self


class MonotonicRule(WrittenRule):
    """``field`` only grows (or only shrinks) along ``order_by``, in each ``within`` group."""

    type: Literal["monotonic"]
    field: Column
    order_by: Columns = Field(min_length=1)
    direction: Literal["increasing", "decreasing"] = "increasing"
    strict: bool = False  # equal neighbours fail too
    within: Columns = Field(default_factory=list)
    when: Condition = None


REFERENCE_PATTERN = r"^(previous|[0-9]{8}T[0-9]{6}-[0-9a-f]{6})$"  # services.runs.new_run_id


class DriftRule(WrittenRule):
    """The distribution of ``field`` against its distribution in a reference run."""

    type: Literal["drift"]
    field: Column
    method: Literal["ks", "chi_square", "psi"] | None = None  # default: ks for numbers
    threshold: float | None = Field(default=None, gt=0)  # default by method (docs/rules.md)
    # "previous": the newest completed run before this one; or one run's id (a baseline)
    reference: Annotated[str, Field(pattern=REFERENCE_PATTERN)] = "previous"
    bins: int = Field(default=10, ge=2, le=100)  # psi over numbers: quantile bins


class RowCountCompareRule(WrittenRule):
    """This entity's row count is ``ratio`` times ``entity``'s, within ``tolerance``."""

    type: Literal["row_count_compare"]
    entity: Annotated[str, Entity()]
    ratio: float = Field(default=1.0, gt=0)
    tolerance: float = Field(default=0.0, ge=0)  # a fraction of the expected count
    where: Condition = None  # counts only these rows of this entity
    entity_where: Annotated[str | None, Expression(of="entity")] = None
