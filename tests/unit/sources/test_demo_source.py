"""A project whose data comes from the ``demo`` source type, with no files of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vmsdq.core.errors import SourceError
from vmsdq.core.workspace import Workspace
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now
from vmsdq.sources.registry import get_source
from vmsdq.spec.init import init_project
from vmsdq.spec.models import DemoSourceSpec, EntitySpec


def test_a_project_on_the_demo_source_validates_generated_data(tmp_path: Path) -> None:
    init_project(tmp_path)
    config = tmp_path / "vmsdq.yaml"
    text = config.read_text().replace("default_source: vms", "default_source: generated")
    text = text.replace(
        "sources:\n", "sources:\n  generated: {type: demo, volunteers: 150, seed: 9}\n", 1
    )
    config.write_text(text)

    run = run_now(scratch_context(load(tmp_path)), entities=["volunteer", "event"])

    entities = {e.entity: e for e in run.entities}
    assert entities["volunteer"].rows == 150
    assert entities["volunteer"].status == "ok"
    assert any(r.failed for r in entities["volunteer"].rules)  # the demo injects defects
    transition = next(r for r in entities["event"].rules if r.kind == "transition")
    assert transition.evaluated > 0  # the previous snapshot came along
    assert (tmp_path / ".vmsdq" / "artifacts" / "cache" / "generated" / "v150-s9" / "data").is_dir()


def test_unknown_entity_names_what_the_demo_has(tmp_path: Path) -> None:
    source = get_source(
        "generated",
        DemoSourceSpec(type="demo", volunteers=50, seed=1),
        root=tmp_path,
        workspace=Workspace.at(tmp_path / "artifacts"),
    )
    entity = EntitySpec(entity="donation", key="id", fields={"id": {}})
    with pytest.raises(SourceError, match="the demo dataset has no such entity; it has"):
        source.read(entity)
    shutil.rmtree(tmp_path / "artifacts")
