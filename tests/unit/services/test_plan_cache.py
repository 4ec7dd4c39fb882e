"""Compiled entities are cached by the digest of the project's spec, so every path that plans
a run (the CLI, a worker's phase tasks, a schedule, ``--from-run``) compiles once per
project version in a process."""

from __future__ import annotations

from pathlib import Path

from vmsdq.services.plan import plan_run
from vmsdq.spec.loader import load_project

PROJECT = """\
name: cached
sources:
  vms: {type: files, path: data}
default_source: vms
entities: ["entities/*.yaml"]
"""
ENTITY = """\
entity: item
key: id
sources:
  vms: {path: item.csv}
fields:
  id: {required: true, unique: true}
  amount: {type: integer, min: %d}
"""


def _write(root: Path, minimum: int) -> Path:
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "vmsdq.yaml").write_text(PROJECT)
    (root / "entities" / "item.yaml").write_text(ENTITY % minimum)
    return root


def test_a_project_loaded_again_reuses_its_compiled_entities(tmp_path: Path) -> None:
    first = plan_run(load_project(_write(tmp_path, 0)), None).entity("item")
    # a worker task or a schedule loads the project from disk again: same spec, same digest
    again = plan_run(load_project(tmp_path), ["item"]).entity("item")
    assert again.compiled[0] is first.compiled[0]


def test_an_edited_project_is_compiled_again(tmp_path: Path) -> None:
    first = plan_run(load_project(_write(tmp_path, 0)), None).entity("item")
    edited = plan_run(load_project(_write(tmp_path, 5)), None).entity("item")
    assert edited.compiled[0] is not first.compiled[0]
    assert "5" in edited.compiled[0].checks[-1].fails.sql()
