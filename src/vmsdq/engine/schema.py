"""Schema checks against the columns a source delivers (names, types and their order).

Every backend gives the same input, the delivered columns in order with their type names
(DuckDB's for a snapshot, SQLAlchemy's for a database table); types compare by family
(``FieldType``), so ``BIGINT`` and ``integer`` are both ``integer``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from vmsdq.checks.model import Check, CompiledEntity, SchemaExpectation
from vmsdq.core.results import RuleResult
from vmsdq.core.words import Outcome, outcome_for

Delivered = Sequence[tuple[str, str]]  # (column, type name) in the source's order

_FAMILIES = (  # first match wins: INTERVAL is not an integer, TIMESTAMP is not a date
    (r"interval|point", None),
    (r"timestamp|datetime", "timestamp"),
    (r"date", "date"),
    (r"bool", "boolean"),
    (r"^(u?(tiny|small|big|huge)?int(eger)?\d*|(big|small|tiny)?integer|long|short)\b", "integer"),
    (r"decimal|numeric|float|double|real|number", "number"),
    (r"char|text|string|uuid|enum|clob|json", "string"),
)


def type_family(type_name: str) -> str | None:
    """The ``FieldType`` a delivered type belongs to, or None when it belongs to none."""
    name = type_name.strip().lower()
    for pattern, family in _FAMILIES:
        if re.search(pattern, name):
            return family
    return None


def delivered_by_field(entity: CompiledEntity, columns: Mapping[str, str]) -> Delivered:
    """A database table's columns under the names rules use (``source_name`` renamed back)."""
    back = {source: name for name, source in entity.source_columns.get(entity.name, {}).items()}
    return [(back.get(column, column), kind) for column, kind in columns.items()]


def schema_results(checks: Sequence[Check], delivered: Delivered) -> list[RuleResult]:
    """One result per schema check: items checked (evaluated), items wrong (failed)."""
    return [schema_result(c, delivered) for c in checks if c.expect is not None]


def schema_result(check: Check, delivered: Delivered) -> RuleResult:
    assert check.expect is not None
    evaluated, problems = _compare(check.expect, delivered)
    result = RuleResult.for_check(check, Outcome.skipped)
    result.evaluated, result.failed = evaluated, len(problems)
    if check.tolerance is not None:
        result.outcome = check.tolerance.outcome(evaluated, len(problems))
    else:
        result.outcome = outcome_for(check.severity, evaluated, len(problems))
    result.message = "; ".join(problems)
    if check.expect.kind == "column_count":
        result.observed = float(len(delivered))
    return result


def _compare(expect: SchemaExpectation, delivered: Delivered) -> tuple[int, list[str]]:
    """(items checked, one message per item that is wrong)."""
    types = {name.lower(): kind for name, kind in delivered}
    if expect.kind == "required_columns":
        missing = [c for c in expect.columns if c.lower() not in types]
        return len(expect.columns), [f"missing column '{c}'" for c in missing]
    if expect.kind == "forbidden_columns":
        found = [c for c in expect.columns if c.lower() in types]
        return len(expect.columns), [f"forbidden column '{c}' is delivered" for c in found]
    if expect.kind == "types":
        return len(expect.types), [m for c, t in expect.types if (m := _type_problem(c, t, types))]
    if expect.kind == "column_count":
        count = len(delivered)
        wrong = count != expect.count
        return 1, [f"{count} columns delivered, expected {expect.count}"] if wrong else []
    order = [name for name, _ in delivered]
    return 1, _order_problem(expect.columns, order)


def _type_problem(column: str, wanted: str, types: Mapping[str, str]) -> str:
    kind = types.get(column.lower())
    if kind is None:
        return f"column '{column}' is missing (expected {wanted})"
    family = type_family(kind)
    if family == wanted:
        return ""
    return f"column '{column}' is {family or 'of no known type'} ({kind}), expected {wanted}"


def _order_problem(listed: Sequence[str], delivered: Sequence[str]) -> list[str]:
    """The listed columns that are delivered must come in the listed order."""
    position = {name.lower(): i for i, name in enumerate(delivered)}
    present = [c for c in listed if c.lower() in position]
    actual = sorted(present, key=lambda c: position[c.lower()])
    if actual == present:
        return []
    return [f"columns delivered in the order {', '.join(actual)}; expected {', '.join(present)}"]
