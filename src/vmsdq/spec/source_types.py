"""Field types completed from the source's schema, and declared types it contradicts.

A field without ``type:`` takes its column's type from the source (a Parquet integer column
is an integer field, so ``min: 9`` compares numbers, not text). A declared type that differs
from the column's is kept, and said once per field at run start: a text field over a numeric
column compares as text, a numeric field over a text column relies on casts.
"""

from __future__ import annotations

from collections.abc import Mapping

from vmsdq.core.words import FieldType
from vmsdq.spec.models import EntitySpec, Project

ColumnTypes = Mapping[str, Mapping[str, FieldType]]  # entity -> field -> column type
WIDENING = {(FieldType.number, FieldType.integer), (FieldType.timestamp, FieldType.date)}


def declares_type(entity: EntitySpec, field: str) -> bool:
    return "type" in entity.fields[field].model_fields_set


def with_column_types(entity: EntitySpec, columns: Mapping[str, FieldType]) -> EntitySpec:
    """``entity`` with every field that declares no type typed as its column."""
    update = {
        name: spec.model_copy(update={"type": columns[name]})
        for name, spec in entity.fields.items()
        if name in columns and not declares_type(entity, name) and spec.type != columns[name]
    }
    if not update:
        return entity
    return entity.model_copy(update={"fields": {**entity.fields, **update}})


def type_notes(entity: EntitySpec, columns: Mapping[str, FieldType]) -> list[str]:
    """One line per declared type the column's type contradicts (a widening is no conflict)."""
    notes = []
    for name, spec in entity.fields.items():
        column = columns.get(name)
        if column is None or not declares_type(entity, name) or spec.type == column:
            continue
        if (spec.type, column) in WIDENING:
            continue
        notes.append(
            f"entity '{entity.entity}' field '{name}': declared type {spec.type}, but the "
            f"source column '{spec.source_name or name}' is {column}"
            + (" (values compare as text)" if spec.type is FieldType.string else "")
        )
    return notes


def project_with_column_types(project: Project, types: ColumnTypes) -> Project:
    """The project with undeclared field types taken from ``types`` (unchanged without)."""
    if not any(types.values()):
        return project
    entities = {
        name: with_column_types(entity, types.get(name, {}))
        for name, entity in project.entities.items()
    }
    return project.model_copy(update={"entities": entities})
