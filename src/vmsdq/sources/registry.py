"""Source types by name: ``files``, ``demo``, ``sql``, ``salesforce`` and any plug-in.

A type's module is imported only when a project uses it. Each built-in type is listed in
``BUILTIN`` as ``"module:Class"``; a module may instead (or also) call
:func:`register_source_type` at import time, which wins over the class named here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vmsdq.core.errors import ConfigError

if TYPE_CHECKING:
    from vmsdq.sources.base import Source


class SourceFactory(Protocol):
    """What builds a source: usually the source class itself."""

    def __call__(self, name: str, spec: Any, *, root: Path, artifacts: Path) -> Source: ...


BUILTIN: dict[str, str] = {
    "files": "vmsdq.sources.files:FilesSource",
    "demo": "vmsdq.demo.source:DemoSource",
    "sql": "vmsdq.sources.sql:SqlSource",
    "salesforce": "vmsdq.sources.salesforce:SalesforceSource",
}

_registered: dict[str, SourceFactory] = {}


def register_source_type(type_name: str, factory: SourceFactory) -> None:
    """Make ``type: <type_name>`` in ``vmsdq.yaml`` build sources with ``factory``."""
    _registered[type_name] = factory


def source_types() -> list[str]:
    """Every type name a project may use."""
    return sorted(set(BUILTIN) | set(_registered))


def get_source(name: str, spec: Any, *, root: Path, artifacts: Path) -> Source:
    """Build the source called ``name`` from its spec (``spec.type`` picks the class).

    Raises ``ConfigError`` when the type is unknown or its module does not load: a source
    that cannot be built is a start-up error, never a log line.
    """
    factory = _factory(str(spec.type), name)
    return factory(name, spec, root=Path(root), artifacts=Path(artifacts))


def _factory(type_name: str, name: str) -> SourceFactory:
    if type_name in _registered:
        return _registered[type_name]
    target = BUILTIN.get(type_name)
    if target is None:
        raise ConfigError(
            f"source '{name}': unknown type '{type_name}'; known types: {', '.join(source_types())}"
        )
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"source '{name}': type '{type_name}' is not available "
            f"(module {module_name} does not load: {exc})"
        ) from exc
    if type_name in _registered:  # the module registered itself on import
        return _registered[type_name]
    factory = getattr(module, attr, None)
    if factory is None:
        raise ConfigError(
            f"source '{name}': type '{type_name}': {module_name} has no '{attr}' "
            "and did not call register_source_type"
        )
    return factory  # type: ignore[no-any-return]
