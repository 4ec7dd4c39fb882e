"""JSON Schemas of the entity file and the project file (``vmsdq schema``), for editors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vmsdq.spec.models import EntitySpec, ProjectSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Descriptions of the keys users write most, by model name (the models keep code comments).
_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "EntitySpec": {
        "entity": "Entity name: lowercase letters, digits and '_' (e.g. volunteer).",
        "key": "The field that identifies a record; must be one of 'fields'.",
        "sources": "Where the entity is read from, by project source name.",
        "fields": "Typed fields with shorthand rules (required, format, allowed, ...).",
        "rules": "Written rules; each needs a 'name' and a 'type'.",
        "mirror": "The same entity in a second system (used by reconciliation).",
        "dimension_weights": "Per-dimension weights of this entity's score.",
        "threshold": "Score (0-100) under which the entity counts as failing.",
    },
    "FieldSpec": {
        "type": "Value type; text sources are checked to cast to it (see check_type).",
        "required": "Value must be present (not NULL, not blank).",
        "unique": "No two records share the value (optionally within groups).",
        "format": "A named format (email, phone, url, postal_code, salesforce_id, regex).",
        "allowed": "The list of allowed values.",
        "min": "Smallest allowed value (range rule).",
        "max": "Largest allowed value (range rule).",
        "length": "Maximum length in characters, or {min, max}.",
        "references": "Entity whose key (or 'field') must contain this value.",
        "check_type": "Check that raw text values cast to 'type'.",
        "source_name": "Column name in the source when it differs from the field name.",
    },
    "ExpressionRule": {
        "check": "SQL boolean that must hold (sandboxed: columns, operators, scalar functions).",
        "when": "SQL boolean: the rule applies only to rows where it holds.",
        "columns": "Fields whose values are recorded for failing rows.",
    },
    "AggregateRule": {
        "related": "The child entity whose rows are counted or summed.",
        "foreign_key": "The child's field pointing at this entity's key.",
        "field": "This entity's field compared with the aggregate.",
        "where": "SQL boolean filter on the related rows.",
    },
    "ProjectSpec": {
        "name": "Project name.",
        "tenant": "Tenant id stored with every result.",
        "sources": "Named data sources (files, demo, sql, salesforce).",
        "default_source": "Source used by entities that do not name one.",
        "entities": "Glob patterns of entity files, relative to the project folder.",
        "store": "Results database and artifact folder.",
        "engine": "DuckDB limits: threads, memory_limit (e.g. 2GB), temp_directory.",
        "scoring": "Weights, thresholds and grade bands.",
        "reconcile": "Pairs of sources to reconcile, e.g. {vms: salesforce}.",
    },
}


def entity_json_schema() -> dict[str, Any]:
    """The JSON Schema of an entity file (``entities/*.yaml``)."""
    return _schema(EntitySpec, "vmsdq entity file", "One entity: fields, rules and mirror.")


def project_json_schema() -> dict[str, Any]:
    """The JSON Schema of the project file (``vmsdq.yaml``)."""
    return _schema(ProjectSpec, "vmsdq project file", "Sources, store, scoring and entities.")


def _schema(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, descriptions in _DESCRIPTIONS.items():
        target = schema if name == model.__name__ else defs.get(name)
        for key, text in descriptions.items() if target else ():
            if key in target.get("properties", {}):
                target["properties"][key]["description"] = text
    return {"$schema": DIALECT, **schema, "title": title, "description": description}
