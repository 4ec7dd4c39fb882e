"""Source types by name: ``files``, ``demo``, ``sql``, ``salesforce`` and any plugin's.

One registration per type carries its spec model (what ``type: <name>`` in ``vmsdq.yaml``
parses into) and its factory, usually the source class. A factory may be named as
``"module:Class"`` so its module (and its heavy libraries) is imported only when a project
uses the type. The shipped types are registered by vmsdq's own ``vmsdq.plugins`` entry point.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vmsdq.core.errors import ConfigError
from vmsdq.spec import models as m
from vmsdq.spec.plugins import Registry, load_plugins
from vmsdq.spec.registry import register_source_spec

if TYPE_CHECKING:
    from pydantic import BaseModel

    from vmsdq.core.workspace import Workspace
    from vmsdq.sources.base import Source


class SourceFactory(Protocol):
    """What builds a source: usually the source class itself."""

    def __call__(self, name: str, spec: Any, *, root: Path, workspace: Workspace) -> Source: ...


@dataclass(frozen=True)
class SourceType:
    name: str
    factory: SourceFactory | str  # or "module:attr", imported on first use
    spec: type[BaseModel]


BUILTIN: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("files", "vmsdq.sources.files:FilesSource", m.FilesSourceSpec),
    ("demo", "vmsdq.demo.source:DemoSource", m.DemoSourceSpec),
    ("sql", "vmsdq.sources.sql:SqlSource", m.SqlSourceSpec),
    ("salesforce", "vmsdq.sources.salesforce:SalesforceSource", m.SalesforceSourceSpec),
)

_SOURCE_TYPES: Registry[SourceType] = Registry("source type")


def register_source_type(
    type_name: str, factory: SourceFactory | str, *, spec: type[BaseModel]
) -> SourceType:
    """Make ``type: <type_name>`` in ``vmsdq.yaml`` parse into ``spec`` and build sources
    with ``factory(name, spec, root=, workspace=)``.

    Raises:
        ConfigError: the type is taken, or ``spec`` does not declare
            ``type: Literal['<type_name>']``.
    """
    load_plugins()
    if type_name in _SOURCE_TYPES:
        by = _SOURCE_TYPES.by(type_name)
        raise ConfigError(f"source type '{type_name}' is already registered{by}")
    register_source_spec(type_name, spec)
    source_type = SourceType(type_name, factory, spec)
    _SOURCE_TYPES.add(type_name, source_type)
    return source_type


def register_builtin() -> None:
    """Register the shipped source types (called once per process by the plugin loader)."""
    for type_name, factory, spec in BUILTIN:
        register_source_type(type_name, factory, spec=spec)


def source_types() -> list[str]:
    """Every type name a project may use, sorted."""
    load_plugins()
    return sorted(_SOURCE_TYPES.names())


def get_source(name: str, spec: Any, *, root: Path, workspace: Workspace) -> Source:
    """Build the source called ``name`` from its spec (``spec.type`` picks the type).

    Raises ``ConfigError`` when the type is unknown or its module does not load: a source
    that cannot be built is a start-up error, never a log line.
    """
    factory = _factory(str(spec.type), name)
    return factory(name, spec, root=Path(root), workspace=workspace)


def _factory(type_name: str, name: str) -> SourceFactory:
    load_plugins()
    source_type = _SOURCE_TYPES.get(type_name)
    if source_type is None:
        raise ConfigError(
            f"source '{name}': unknown type '{type_name}'; known types: {', '.join(source_types())}"
        )
    if not isinstance(source_type.factory, str):
        return source_type.factory
    module_name, _, attr = source_type.factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"source '{name}': type '{type_name}' is not available "
            f"(module {module_name} does not load: {exc})"
        ) from exc
    factory = getattr(module, attr, None)
    if factory is None:
        raise ConfigError(f"source '{name}': type '{type_name}': {module_name} has no '{attr}'")
    return factory  # type: ignore[no-any-return]
