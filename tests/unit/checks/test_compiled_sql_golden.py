"""The SQL every check of the VMS pack compiles to stays what it was.

``golden/vms_pack.json`` was written from the compilers *before* they stopped copying
freshly built SQLGlot trees (``copy=False``): this test proves that change kept every
generated expression identical. Each check of the golden file must still compile to the same
SQL; checks added to the pack since then are not in the file and are not compared.

Regenerate (only when a compiler's output is meant to change):
``VMSDQ_WRITE_GOLDEN=1 .venv/bin/pytest tests/unit/checks/test_compiled_sql_golden.py``
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlglot import exp

from vmsdq.checks import compile_entity
from vmsdq.checks.model import Check
from vmsdq.spec.loader import load_project

PACK = Path(__file__).resolve().parents[3] / "src" / "vmsdq" / "packs" / "vms"
GOLDEN = Path(__file__).with_name("golden") / "vms_pack.json"


def _sql(node: exp.Expr | None) -> str | None:
    return None if node is None else node.sql(dialect="duckdb")


def _render(check: Check) -> dict[str, object]:
    return {
        "scope": check.scope,
        "fails": _sql(check.fails),
        "applies": _sql(check.applies),
        "metric": _sql(check.metric),
        "values": [[name, _sql(value)] for name, value in check.values],
        "relations": [[r.alias, _sql(r.query), _sql(r.on)] for r in check.relations],
    }


def _checks() -> list[Check]:
    project = load_project(PACK)
    out: list[Check] = []
    for name, entity in project.entities.items():
        compiled = compile_entity(
            entity,
            project.entities,
            source_file=project.entity_files.get(name, ""),
            rule_locations=project.rule_locations,
        )
        out += compiled.checks
    return out


def _compiled() -> dict[str, dict[str, object]]:
    return {f"{check.entity}.{check.name}": _render(check) for check in _checks()}


def _trees(check: Check) -> list[exp.Expr]:
    trees = [check.fails, check.applies, check.metric, *(value for _, value in check.values)]
    trees += [part for r in check.relations for part in (r.query, r.on)]
    return [tree for tree in trees if tree is not None]


def test_every_golden_check_compiles_to_the_same_sql() -> None:
    now = _compiled()
    if os.environ.get("VMSDQ_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert len(golden) > 100  # the whole pack, not a sample
    missing = sorted(set(golden) - set(now))
    assert not missing, f"checks gone from the pack: {missing}"
    changed = {name: (golden[name], now[name]) for name in golden if golden[name] != now[name]}
    assert not changed, (
        f"{len(changed)} checks compile differently, e.g. {next(iter(changed.items()))}"
    )


def test_compiling_twice_gives_the_same_sql() -> None:
    # copy=False must never let one compilation mutate a tree another check shares
    assert _compiled() == _compiled()


def test_no_check_shares_a_node_between_its_trees() -> None:
    # a node in two places would be changed twice by the engine's in-place transforms
    shared = []
    for check in _checks():
        seen: set[int] = set()
        for tree in _trees(check):
            for node in tree.walk():
                if id(node) in seen:
                    shared.append(f"{check.entity}.{check.name}: {node.sql(dialect='duckdb')}")
                seen.add(id(node))
    assert not shared, shared[:5]
