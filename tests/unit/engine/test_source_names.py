"""``source_name``: a field whose column has another name in the data works for every source.

The sources rename the column to the field when they read it; the engine reads fields by
name from the snapshot (and pushdown maps them back to the table's columns).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from vmsdq.cli import main

PROJECT = """\
name: renamed
sources:
  vms: {type: files, path: data}
default_source: vms
entities: ["entities/*.yaml"]
store: {url: "sqlite:///.vmsdq/results.db", artifacts: .vmsdq/artifacts}
"""
PERSON = """\
entity: person
key: person_id
sources:
  vms: {path: %s}
fields:
  person_id: {source_name: "Person ID", required: true, unique: true}
  first_name: {source_name: "Given Name", required: true}
  team: {source_name: "Team Code", references: team}
  age: {source_name: "Age (years)", type: integer, min: 0}
rules:
  - {name: adult, type: expression, check: "age >= 18", when: "first_name <> 'Kid'"}
"""
TEAM = """\
entity: team
key: code
sources:
  vms: {path: team.csv}
fields:
  code: {source_name: "Team", required: true, unique: true}
"""
ROWS = [
    ("p1", "Ann", "T1", 30),
    ("p1", "Bob", "T9", 17),  # duplicate id, unknown team, not adult
    ("p3", None, "T1", -1),  # no name (so not evaluated as adult), negative age
]


def _project(tmp_path: Path, person_file: str) -> Path:
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "person.yaml").write_text(PERSON % person_file)
    (tmp_path / "entities" / "team.yaml").write_text(TEAM)
    data = tmp_path / "data"
    data.mkdir()
    (data / "team.csv").write_text("Team\nT1\nT2\n")
    header = ["Person ID", "Given Name", "Team Code", "Age (years)"]
    if person_file.endswith(".csv"):
        lines = [",".join(header)] + [",".join(str(v or "") for v in row) for row in ROWS]
        (data / person_file).write_text("\n".join(lines) + "\n")
    else:
        columns = list(zip(*ROWS, strict=True))
        pq.write_table(pa.table(dict(zip(header, columns, strict=True))), data / person_file)
    return tmp_path


def _failed(project: Path) -> dict[str, int]:
    result = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    payload = json.loads(result.stdout)
    person = next(e for e in payload["entities"] if e["entity"] == "person")
    assert person["status"] == "ok", person.get("message")
    return {r["rule"]: r["failed"] for r in person["rules"]}


def _expected() -> dict[str, int]:
    return {
        "person.person_id.required": 0,
        "person.person_id.unique": 2,
        "person.first_name.required": 1,
        "person.team.references": 1,
        "person.age.range": 1,
        "person.adult": 1,
    }


def test_renamed_csv_columns_are_validated_by_field_name(tmp_path: Path) -> None:
    failed = _failed(_project(tmp_path, "person.csv"))
    assert {k: failed[k] for k in _expected()} == _expected()


def test_renamed_parquet_columns_are_validated_by_field_name(tmp_path: Path) -> None:
    failed = _failed(_project(tmp_path, "person.parquet"))
    assert {k: failed[k] for k in _expected()} == _expected()
