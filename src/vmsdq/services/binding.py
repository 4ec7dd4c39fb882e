"""``vmsdq check --data``: every row check bound against the source's schema, reading no row.

Each entity becomes an empty table with its fields typed as the source gives them (text where
the source says nothing: a CSV column is text), so a type mismatch or SQL that does not bind
(``x NOT IN ()``, a function over the wrong types) is a configuration error at the rule's
file:line before any run.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from vmsdq.checks.model import Check
from vmsdq.core.errors import ConfigError
from vmsdq.core.words import FieldType
from vmsdq.services.plan import RunPlan
from vmsdq.spec.models import Project

ARROW = {
    FieldType.string: "string",
    FieldType.integer: "int64",
    FieldType.number: "float64",
    FieldType.boolean: "bool",
    FieldType.date: "date32",
    FieldType.timestamp: "timestamp[us]",
}


def binding_errors(
    project: Project, plan: RunPlan, types: Mapping[str, Mapping[str, str]]
) -> list[ConfigError]:
    """One error per row check of ``plan`` that does not bind, at the rule's location."""
    import duckdb
    import pyarrow as pa

    from vmsdq.engine.rows import bind_errors, engine_error

    con = duckdb.connect(":memory:")
    try:
        for name, entity in project.entities.items():
            known = types.get(name, {})
            columns = [  # views name columns by field (sources rename)
                pa.field(f, ARROW[FieldType(known.get(f, "string"))]) for f in entity.fields
            ]
            con.register(name, pa.schema(columns).empty_table())
        errors: list[ConfigError] = []
        for entity_plan in plan.entities:
            if not entity_plan.compiled:
                continue
            own = entity_plan.compiled[0]
            checks = [c for c in own.checks if _bindable(c, project)]
            try:
                found = bind_errors(con, own, checks)
            except duckdb.Error as error:  # the entity's own view: say it once
                found = {own.name: engine_error(error)}
            by_name = {c.name: c for c in checks}
            errors += [_error(by_name.get(rule), rule, why) for rule, why in found.items()]
        return errors
    finally:
        con.close()


def _bindable(check: Check, project: Project) -> bool:
    """Row checks reading only entity views (not a previous snapshot, not strict values)."""
    if check.scope != "row" or check.strict:
        return False
    tables = {t.name for r in check.relations for t in r.query.find_all(exp.Table)}
    return tables <= set(project.entities)


def _error(check: Check | None, rule: str, why: str) -> ConfigError:
    where = f"{check.source}: " if check is not None and check.source else ""
    return ConfigError(f"{where}rule '{rule}' does not bind to the source's columns: {why}")
