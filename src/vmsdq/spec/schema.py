"""JSON Schemas of the entity file and the project file (``vmsdq schema``), for editors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vmsdq.spec.models import EntitySpec, ProjectSpec
from vmsdq.spec.plugins import load_plugins
from vmsdq.spec.registry import SOURCE_SPECS

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Descriptions of the keys users write most, by model name (the models keep code comments).
# Field shorthand keys carry their own (on FieldSpec, or from a plugin's registration).
_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "EntitySpec": {
        "entity": "Entity name: lowercase letters, digits and '_' (e.g. volunteer).",
        "key": "The field that identifies a record, or a list of them (a composite key); "
        "each must be one of 'fields'.",
        "sources": "Where the entity is read from, by project source name.",
        "fields": "Typed fields with shorthand rules (required, format, allowed, ...).",
        "rules": "Written rules; each needs a 'name' and a 'type'.",
        "mirror": "The same entity in a second system (used by reconciliation).",
        "dimension_weights": "Per-dimension weights of this entity's score.",
        "threshold": "Score (0-100) under which the entity counts as failing.",
    },
    "DriftRule": {
        "reference": "The run to compare with: 'previous' (the newest completed run before "
        "this one) or a run id such as 20260313T093000-a1b2c3 (a fixed baseline).",
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
        "default_source": "Source used by entities that do not name one.",
        "entities": "Glob patterns of entity files, relative to the project folder.",
        "store": "Results database and artifact folder.",
        "engine": "DuckDB limits: threads, memory_limit (e.g. 2GB), temp_directory.",
        "scoring": "Weights, thresholds and grade bands.",
        "reconcile": "Pairs of sources to reconcile, e.g. {vms: salesforce}.",
        "jobs": "Background runs: broker, time limits, retries, beat schedules.",
    },
}


def entity_json_schema() -> dict[str, Any]:
    """The JSON Schema of an entity file (``entities/*.yaml``)."""
    return _schema(EntitySpec, "vmsdq entity file", "One entity: fields, rules and mirror.")


def project_json_schema() -> dict[str, Any]:
    """The JSON Schema of the project file (``vmsdq.yaml``)."""
    schema = _schema(ProjectSpec, "vmsdq project file", "Sources, store, scoring and entities.")
    types = ", ".join(SOURCE_SPECS.names())
    schema["properties"]["sources"]["description"] = f"Named data sources (types: {types})."
    return schema


def _schema(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    load_plugins()  # plugin rule and source types are part of the schema
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, descriptions in _DESCRIPTIONS.items():
        target = schema if name == model.__name__ else defs.get(name)
        for key, text in descriptions.items() if target else ():
            if key in target.get("properties", {}):
                target["properties"][key]["description"] = text
    return {"$schema": DIALECT, **schema, "title": title, "description": description}
