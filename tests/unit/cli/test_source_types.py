"""Field types from the source's schema: no silent text comparison of numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from click.testing import CliRunner

from vmsdq.cli import main


def _project(tmp_path: Path, fields: dict[str, Any], data: str = "parquet") -> Path:
    spec = {"name": "p", "sources": {"vms": {"type": "files", "path": "data"}}}
    (tmp_path / "vmsdq.yaml").write_text(yaml.safe_dump({**spec, "default_source": "vms"}))
    (tmp_path / "entities").mkdir()
    entity = {"entity": "trip", "key": "id", "fields": {"id": {}, **fields}}
    (tmp_path / "entities" / "trip.yaml").write_text(yaml.safe_dump(entity, sort_keys=False))
    (tmp_path / "data").mkdir()
    table = pa.table(
        {
            "id": ["1", "2", "3"],
            "seats": pa.array([10, 9, 5], pa.int64()),
            "fare": pa.array([2.5, 10.0, 0.5], pa.float64()),
            "day": pa.array([20000, 19000, 21000], pa.int32()).cast(pa.date32()),
        }
    )
    if data == "parquet":
        pq.write_table(table, tmp_path / "data" / "trip.parquet")
    else:
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, tmp_path / "data" / "trip.csv")
    return tmp_path


def test_an_undeclared_type_comes_from_the_parquet_schema(tmp_path: Path) -> None:
    fields = {"seats": {"min": 9}, "fare": {"max": 5}, "day": {"min": "2023-01-01"}}
    project = _project(tmp_path, fields)
    run = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    assert run.exit_code == 0, run.output  # rules failed, none critical: warned
    rules = {r["rule"]: r for e in json.loads(run.stdout)["entities"] for r in e["rules"]}
    assert (rules["trip.seats.range"]["evaluated"], rules["trip.seats.range"]["failed"]) == (3, 1)
    assert rules["trip.fare.range"]["failed"] == 1  # 10.0 > 5, compared as numbers
    assert rules["trip.day.range"]["failed"] == 1  # 2022-01-08, compared as dates
    assert rules["trip.seats.type"]["failed"] == 0  # a typed column: the type rule holds
    assert "Note:" not in run.output


def test_a_declared_type_the_schema_contradicts_is_said_per_field(tmp_path: Path) -> None:
    fields = {"seats": {"type": "string"}, "fare": {"type": "integer"}, "day": {"type": "date"}}
    run = CliRunner().invoke(main, ["validate", "--project", str(_project(tmp_path, fields))])
    notes = [line for line in run.output.splitlines() if line.startswith("Note:")]
    assert notes == [
        "Note: entity 'trip' field 'seats': declared type string, but the source column "
        "'seats' is integer (values compare as text)",
        "Note: entity 'trip' field 'fare': declared type integer, but the source column "
        "'fare' is number",
    ]


def test_numeric_bounds_on_a_text_field_are_a_configuration_error(tmp_path: Path) -> None:
    project = _project(tmp_path, {"seats": {"min": 9}}, data="csv")  # CSV: no column types
    check = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert check.exit_code == 2, check.output
    said = " ".join(check.output.split())
    assert "entities/trip.yaml" in said
    assert "rule 'trip.seats.range': field 'seats' is text (no 'type:', none from the source)" in (
        said
    )
    run = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    assert run.exit_code == 3, run.output  # the entity is not evaluated, never scored as passing
    [entity] = json.loads(run.stdout)["entities"]
    assert entity["status"] == "error" and "field 'seats' is text" in entity["message"]


def test_check_with_data_takes_the_types_a_run_takes(tmp_path: Path) -> None:
    project = _project(tmp_path, {"seats": {"min": 9}})
    plain = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert plain.exit_code == 2 and "field 'seats' is text" in " ".join(plain.output.split())
    bound = CliRunner().invoke(main, ["check", "--project", str(project), "--data"])
    assert bound.exit_code == 0, bound.output  # the Parquet column is an integer
