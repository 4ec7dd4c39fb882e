"""The open parts of the spec models: types assembled from the registries, not written here.

``EntitySpec.rules`` holds any registered written rule type, a field any registered shorthand
key, a project any registered source type. Each is an ``Annotated`` marker whose schema is
built from ``vmsdq.spec.registry`` when the model is first used (after the plugins loaded)
and again whenever a registration changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from vmsdq.spec.plugins import load_plugins


class Registered:
    """Annotation marker: validate as the type ``assemble()`` builds from the registries.

    Instances of the annotated base class that are not of the assembled subclass (a plain
    ``FieldSpec()`` once a plugin added keys) are validated again as the subclass.
    """

    def __init__(self, assemble: Callable[[], Any]) -> None:
        self.assemble = assemble

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        load_plugins()
        current = self.assemble()
        schema = handler.generate_schema(current)
        if not isinstance(current, type) or current is source:
            return schema

        def upgrade(value: Any) -> Any:
            if isinstance(value, source) and not isinstance(value, current):
                return value.model_dump(exclude_unset=True)
            return value

        return core_schema.no_info_before_validator_function(upgrade, schema)


def _rules() -> Any:
    from vmsdq.spec.registry import rule_union  # the registry imports the models

    return rule_union()


def _fields() -> Any:
    from vmsdq.spec.registry import field_model

    return field_model()


def _sources() -> Any:
    from vmsdq.spec.registry import source_union

    return source_union()


RULES = Registered(_rules)  # one entry under ``rules:``
FIELDS = Registered(_fields)  # one field
SOURCES = Registered(_sources)  # one source in ``vmsdq.yaml``
