"""Source types resolve by name; unknown or broken types are start-up errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from vmsdq.core.errors import ConfigError
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.workspace import Workspace
from vmsdq.sources import registry
from vmsdq.sources.files import FilesSource
from vmsdq.spec.models import EntitySpec, FilesSourceSpec, ProjectSpec
from vmsdq.spec.plugins import reset_plugins


class EchoSource:
    def __init__(self, name: str, spec: Any, *, root: Path, workspace: Workspace) -> None:
        self.name, self.root = name, root

    def read(self, entity: EntitySpec) -> Snapshot:
        return Snapshot(entity=entity.entity, location=str(self.root))


class FakeSpec:
    def __init__(self, type_name: str) -> None:
        self.type = type_name


def test_files_type_builds_a_files_source(tmp_path: Path) -> None:
    got = registry.get_source(
        "vms",
        FilesSourceSpec(type="files", path="in"),
        root=tmp_path,
        workspace=Workspace.at(tmp_path / "a"),
    )
    assert isinstance(got, FilesSource)
    assert got.name == "vms" and got.folder == tmp_path / "in"


@pytest.fixture
def fresh() -> Iterator[None]:
    """Registrations made in the test are forgotten after it."""
    reset_plugins()
    yield
    reset_plugins()


class EchoSpec(BaseModel):
    type: Literal["echo"]
    greeting: str = "hello"


def test_registered_type_parses_and_plugs_in(fresh: None, tmp_path: Path) -> None:
    registry.register_source_type("echo", EchoSource, spec=EchoSpec)
    project = ProjectSpec.model_validate(
        {"sources": {"e": {"type": "echo", "greeting": "hi"}}, "default_source": "e"}
    )
    spec = project.sources["e"]
    assert isinstance(spec, EchoSpec) and spec.greeting == "hi"
    got = registry.get_source("e", spec, root=tmp_path, workspace=Workspace.at(tmp_path))
    assert isinstance(got, EchoSource) and "echo" in registry.source_types()


def test_registering_a_type_twice_or_without_its_tag_is_an_error(fresh: None) -> None:
    with pytest.raises(
        ConfigError, match="'files' is already registered .by plugin 'vmsdq.sources'"
    ):
        registry.register_source_type("files", EchoSource, spec=EchoSpec)
    with pytest.raises(
        ConfigError, match=r"'echoes': EchoSpec must declare type: Literal\['echoes'\]"
    ):
        registry.register_source_type("echoes", EchoSource, spec=EchoSpec)


def test_unknown_type_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        registry.get_source("x", FakeSpec("ftp"), root=tmp_path, workspace=Workspace.at(tmp_path))
    assert str(err.value) == (
        "source 'x': unknown type 'ftp'; known types: demo, files, salesforce, sql"
    )


def test_type_whose_module_does_not_load_is_an_error(fresh: None, tmp_path: Path) -> None:
    class NopeSpec(BaseModel):
        type: Literal["nope"]

    registry.register_source_type("nope", "vmsdq.sources.no_such_module:Nope", spec=NopeSpec)
    with pytest.raises(ConfigError, match="type 'nope' is not available"):
        registry.get_source("n", FakeSpec("nope"), root=tmp_path, workspace=Workspace.at(tmp_path))


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
