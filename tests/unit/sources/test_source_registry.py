"""Source types resolve by name; unknown or broken types are start-up errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vmsdq.core.errors import ConfigError
from vmsdq.core.snapshots import Snapshot
from vmsdq.sources import registry
from vmsdq.sources.files import FilesSource
from vmsdq.spec.models import EntitySpec, FilesSourceSpec


class EchoSource:
    def __init__(self, name: str, spec: Any, *, root: Path, artifacts: Path) -> None:
        self.name, self.root = name, root

    def read(self, entity: EntitySpec) -> Snapshot:
        return Snapshot(entity=entity.entity, location=str(self.root))


class FakeSpec:
    def __init__(self, type_name: str) -> None:
        self.type = type_name


def test_files_type_builds_a_files_source(tmp_path: Path) -> None:
    got = registry.get_source(
        "vms", FilesSourceSpec(type="files", path="in"), root=tmp_path, artifacts=tmp_path / "a"
    )
    assert isinstance(got, FilesSource)
    assert got.name == "vms" and got.folder == tmp_path / "in"


def test_registered_type_plugs_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_registered", {})
    registry.register_source_type("echo", EchoSource)
    got = registry.get_source("e", FakeSpec("echo"), root=tmp_path, artifacts=tmp_path)
    assert isinstance(got, EchoSource) and "echo" in registry.source_types()


def test_unknown_type_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        registry.get_source("x", FakeSpec("ftp"), root=tmp_path, artifacts=tmp_path)
    assert str(err.value).startswith("source 'x': unknown type 'ftp'; known types: demo, files")


def test_type_whose_module_does_not_load_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.BUILTIN, "nope", "vmsdq.sources.no_such_module:Nope")
    with pytest.raises(ConfigError, match="type 'nope' is not available"):
        registry.get_source("n", FakeSpec("nope"), root=tmp_path, artifacts=tmp_path)


@pytest.mark.parametrize(
    ("type_name", "target"),
    [
        ("sql", "vmsdq.sources.sql:SqlSource"),
        ("salesforce", "vmsdq.sources.salesforce:SalesforceSource"),
    ],
)
def test_builtin_types_resolve_to_their_classes(type_name: str, target: str) -> None:
    import importlib

    module, _, attr = target.partition(":")
    assert registry._factory(type_name, "x") is getattr(importlib.import_module(module), attr)
