"""``engine: {incremental: true}``: a run after an edit gives exactly a full run's results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from click.testing import CliRunner

from vmsdq.cli import main

PROJECT = """\
name: inc
sources:
  vms: {type: files, path: data}
default_source: vms
entities: ["entities/*.yaml"]
store: {url: "sqlite:///.vmsdq/results.db", artifacts: .vmsdq/artifacts}
engine: {incremental: %s}
"""
PERSON = """\
entity: person
key: id
sources:
  vms: {path: person.csv}
fields:
  id: {type: integer, required: true, unique: true}
  email: {required: true, unique: true}
  team: {references: team}
  age: {type: integer, min: 0}
"""
TEAM = """\
entity: team
key: code
sources:
  vms: {path: team.csv}
fields:
  code: {required: true, unique: true}
  size: {type: integer}
rules:
  - {name: size_matches, type: aggregate, related: person, foreign_key: team, field: size}
"""


def _project(folder: Path, *, incremental: bool) -> Path:
    (folder / "entities").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "vmsdq.yaml").write_text(PROJECT % str(incremental).lower())
    (folder / "entities" / "person.yaml").write_text(PERSON)
    (folder / "entities" / "team.yaml").write_text(TEAM)
    return folder


def _write(folder: Path, people: list[str], teams: list[str]) -> None:
    (folder / "data" / "person.csv").write_text("id,email,team,age\n" + "\n".join(people) + "\n")
    (folder / "data" / "team.csv").write_text("code,size\n" + "\n".join(teams) + "\n")


def _results(folder: Path) -> dict[str, Any]:
    run = CliRunner().invoke(main, ["validate", "--project", str(folder), "--format", "json"])
    payload = json.loads(run.stdout)
    rules = {
        r["rule"]: (r["evaluated"], r["failed"]) for e in payload["entities"] for r in e["rules"]
    }
    files = sorted((folder / ".vmsdq" / "artifacts").rglob(f"{payload['run_id']}/**/*.parquet"))
    rows = sorted(
        (r["rule"], r["key"], r["values"])
        for f in files
        if f.parent.name == "failures"
        for r in pq.read_table(f).to_pylist()
    )
    assert rows, "the run wrote no failure rows"
    return {"rules": rules, "failures": rows}


def test_an_incremental_run_after_edits_equals_a_full_run(tmp_path: Path) -> None:
    inc = _project(tmp_path / "inc", incremental=True)
    people = [f"{n},p{n}@x.org,t{n % 3},{20 + n}" for n in range(30)]
    _write(inc, people, ["t0,10", "t1,10", "t2,9"])
    first = _results(inc)
    assert first["rules"]["team.size_matches"] == (3, 1)
    assert list((inc / ".vmsdq" / "artifacts").rglob("incremental/person/current"))
    # one duplicate email, one broken reference (a team gone), a negative age, one row gone
    people[3] = "3,p4@x.org,t0,23"
    people[7] = "7,p7@x.org,t1,-1"
    del people[12]
    _write(inc, people, ["t0,10", "t1,10", "t3,0"])
    second = _results(inc)
    full = _project(tmp_path / "full", incremental=False)
    shutil.copytree(inc / "data", full / "data", dirs_exist_ok=True)
    assert second == _results(full)
    assert second["rules"]["person.email.unique"] == (29, 2)
    assert second["rules"]["person.team.references"] == (29, 10)  # t2 is gone, its 10 people
