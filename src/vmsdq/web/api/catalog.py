"""Entities and rules (with their compiled SQL), and the rule editor: preview and save."""

from __future__ import annotations

from typing import Any

from vmsdq.services import catalog, editor
from vmsdq.services.views import edit_preview_view, entity_info_view, rule_info_view
from vmsdq.web.api import bp, models
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.reads import CachedView, cached_view
from vmsdq.web.state import ctx, web_state

ENTITY = {"entity": "an entity name, e.g. volunteer"}


@operation(
    bp,
    Operation(
        "/entities",
        "GET",
        "list_entities",
        "Every entity of the project",
        "catalog",
        response=models.EntityList,
    ),
)
def list_entities() -> CachedView:
    return cached_view(
        lambda: {"items": [entity_info_view(e, rules=False) for e in catalog.list_entities(ctx())]}
    )


@operation(
    bp,
    Operation(
        "/entities/<entity>",
        "GET",
        "get_entity",
        "An entity with its rules and their SQL",
        "catalog",
        response=models.EntityInfo,
        params=ENTITY,
    ),
)
def get_entity(entity: str) -> CachedView:
    return cached_view(lambda: entity_info_view(catalog.get_entity(ctx(), entity)))


@operation(
    bp,
    Operation(
        "/entities/<entity>/source",
        "GET",
        "get_entity_source",
        "The entity's YAML file",
        "catalog",
        response=models.EntitySource,
        params=ENTITY,
    ),
)
def get_entity_source(entity: str) -> dict[str, Any]:
    context = ctx()  # not cached: the file as it is on disk now
    info = catalog.get_entity(context, entity)
    return {"entity": entity, "file": info.file, "yaml": catalog.entity_source(context, entity)}


@operation(
    bp,
    Operation(
        "/entities/<entity>/preview",
        "POST",
        "preview_entity",
        "Validate a new text of the entity's file and run the rules it changes",
        "catalog",
        query=models.PreviewQuery,
        body=models.EntityText,
        response=models.EditPreview,
        params=ENTITY,
        description="Nothing is saved. Problems carry the line and column in the file; the "
        "changed rules run on the snapshots of the newest run that kept them.",
    ),
)
def preview_entity(
    entity: str, query: models.PreviewQuery, body: models.EntityText
) -> dict[str, Any]:
    return edit_preview_view(editor.preview_entity(ctx(), entity, body.yaml, run_id=query.run))


@operation(
    bp,
    Operation(
        "/entities/<entity>",
        "PUT",
        "save_entity",
        "Save a new text of the entity's file (refused unless it validates)",
        "catalog",
        body=models.EntityText,
        response=models.EntityInfo,
        errors=(400, 403, 404),
        params=ENTITY,
    ),
)
def save_entity(entity: str, body: models.EntityText) -> dict[str, Any]:
    state = web_state()
    state.served.replace(editor.save_entity(ctx(), entity, body.yaml))
    return entity_info_view(catalog.get_entity(state.context(), entity))


@operation(
    bp,
    Operation(
        "/rules",
        "GET",
        "list_rules",
        "Every rule: description, dimension, severity, SQL",
        "catalog",
        query=models.RulesQuery,
        response=models.RuleList,
    ),
)
def list_rules(query: models.RulesQuery) -> CachedView:
    def compute() -> dict[str, Any]:
        found = catalog.list_rules(
            ctx(),
            entity=query.entity,
            dimension=query.dimension.value if query.dimension else None,
            severity=query.severity.value if query.severity else None,
            search=query.search,
        )
        return {"items": [rule_info_view(r) for r in found]}

    return cached_view(compute)


@operation(
    bp,
    Operation(
        "/rules/<rule>",
        "GET",
        "get_rule",
        "One rule with its compiled SQL",
        "catalog",
        response=models.RuleInfo,
        params={"rule": "full rule name, e.g. volunteer.email.format"},
    ),
)
def get_rule(rule: str) -> CachedView:
    return cached_view(lambda: rule_info_view(catalog.get_rule(ctx(), rule)))
