"""The rules of a project as the ground truth sees them, named as in docs/rules.md.

Shorthand expands to ``{entity}.{field}.{kind}``; written rules are ``{entity}.{name}``. This
expansion is written from the rule semantics page, independently of ``vmsdq.checks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vmsdq.core.words import FieldType
from vmsdq.spec.data_rules import JsonOpts
from vmsdq.spec.models import (
    AllowedOpts,
    EntitySpec,
    FieldSpec,
    FormatOpts,
    LengthOpts,
    RangeOpts,
    ReferenceOpts,
    RequiredOpts,
    SchemaSpec,
    UniqueOpts,
)

TABLE_KINDS = ("row_count", "freshness", "metric", "schema", "row_count_compare", "drift")
SCHEMA_KINDS = ("required_columns", "forbidden_columns", "types", "column_count", "order")


@dataclass(frozen=True)
class SchemaPart:
    """One check of an entity's ``schema:`` block: ``{entity}.schema.<kind>``."""

    kind: str
    spec: SchemaSpec


@dataclass(frozen=True)
class TruthRule:
    """One rule: its full name, kind, entity, field (shorthand) and parsed options."""

    name: str
    kind: str
    entity: str
    field: str | None
    opts: Any

    @property
    def table(self) -> bool:
        return self.kind in TABLE_KINDS


def expand_entity(spec: EntitySpec) -> list[TruthRule]:
    out: list[TruthRule] = []
    for field, fs in spec.fields.items():
        out += _field_rules(spec.entity, field, fs)
    for rule in spec.rules:
        if rule.enabled and rule.name:
            out.append(TruthRule(f"{spec.entity}.{rule.name}", rule.type, spec.entity, None, rule))
    return out + _schema_rules(spec)


def _schema_rules(spec: EntitySpec) -> list[TruthRule]:
    """One rule per kind the ``schema:`` block sets (``ordered: true`` is ``order``)."""
    schema = spec.schema_
    if schema is None:
        return []
    given = {
        "required_columns": bool(schema.required_columns),
        "forbidden_columns": bool(schema.forbidden_columns),
        "types": bool(schema.types),
        "column_count": schema.column_count is not None,
        "order": schema.ordered,
    }
    return [
        TruthRule(
            f"{spec.entity}.schema.{kind}", "schema", spec.entity, None, SchemaPart(kind, schema)
        )  # fmt: skip
        for kind in SCHEMA_KINDS
        if given[kind]
    ]


def _field_rules(entity: str, field: str, fs: FieldSpec) -> list[TruthRule]:
    found: list[tuple[str, Any]] = []
    if fs.required:
        found.append(("required", fs.required if isinstance(fs.required, RequiredOpts)
                      else RequiredOpts()))  # fmt: skip
    if fs.type is not FieldType.string and fs.check_type:
        found.append(("type", fs.check_type))
    if fs.format is not None:
        found.append(("format", fs.format if isinstance(fs.format, FormatOpts)
                      else FormatOpts(format=fs.format)))  # fmt: skip
    if fs.allowed is not None:
        found.append(("allowed", fs.allowed if isinstance(fs.allowed, AllowedOpts)
                      else AllowedOpts(values=fs.allowed)))  # fmt: skip
    if fs.range is not None:
        found.append(("range", fs.range))
    elif fs.min is not None or fs.max is not None:
        found.append(("range", RangeOpts(min=fs.min, max=fs.max)))
    if fs.length is not None:
        found.append(("length", fs.length if isinstance(fs.length, LengthOpts)
                      else LengthOpts(max=fs.length)))  # fmt: skip
    if fs.unique:
        found.append(("unique", fs.unique if isinstance(fs.unique, UniqueOpts) else UniqueOpts()))
    if fs.references is not None:
        ref = fs.references
        found.append(("references", ref if isinstance(ref, ReferenceOpts)
                      else ReferenceOpts(entity=ref)))  # fmt: skip
    json_text = getattr(fs, "json_text", None)  # a key the json rule type adds to fields
    if json_text:
        found.append(("json", json_text if isinstance(json_text, JsonOpts) else JsonOpts()))
    return [
        TruthRule(f"{entity}.{field}.{kind}", kind, entity, field, opts)
        for kind, opts in found
        if getattr(opts, "enabled", True)
    ]


def expand_project(entities: dict[str, EntitySpec]) -> list[TruthRule]:
    """Every rule of the project, plus ``{entity}.record.parseable`` for CSV entities."""
    out: list[TruthRule] = []
    for spec in entities.values():
        out += expand_entity(spec)
        if any(_is_csv(src.path, src.format) for src in spec.sources.values()):
            out.append(TruthRule(f"{spec.entity}.record.parseable", "parseable", spec.entity,
                                 None, None))  # fmt: skip
    return out


def _is_csv(path: str | None, fmt: str | None) -> bool:
    return fmt == "csv" or bool(path and path.lower().endswith((".csv", ".csv.gz")))
