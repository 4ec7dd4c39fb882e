"""vmsdq init --template blank and --from-data: the files written, and that they check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.services.plan import plan_run
from vmsdq.spec.loader import load_project


def _entity(root: Path, name: str) -> dict[str, object]:
    data = yaml.safe_load((root / "entities" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _rule_kinds(root: Path, entity: str) -> set[str]:
    plan = plan_run(load_project(root), [entity])
    return {check.kind for c in plan.entities[0].compiled for check in c.checks}


def test_blank_template_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path / "p"), "--template", "blank"])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'p' / 'vmsdq.yaml'}" in result.output
    assert f"wrote {tmp_path / 'p' / 'entities' / 'example.yaml'}" in result.output
    result = runner.invoke(main, ["check", "--project", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 1 entities, ")
    assert load_project(tmp_path / "p").spec.name == "my-project"


def test_unknown_template_and_two_choices_are_usage_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--template", "nope"])
    assert result.exit_code == 2
    assert "'nope' is not 'blank'" in result.output
    result = CliRunner().invoke(
        main, ["init", str(tmp_path), "--template", "blank", "--pack", "vms"]
    )
    assert result.exit_code == 2
    assert "give one of --pack, --template" in result.output
    assert not any(tmp_path.iterdir())


def test_from_data_folder_infers_entities_types_and_keys(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "Orders.csv").write_text(
        "order_id,Customer Name,amount,placed_on,paid\n"
        "1,Ann,9.50,2024-01-02,true\n2,Bob,3.25,2024-01-03,false\n",
        encoding="utf-8",
    )
    table = pa.table({"code": ["a", "b"], "id": [1, 2], "seen": [1.5, 2.5]})
    pq.write_table(table, data / "items.parquet")
    project = tmp_path / "proj"
    result = CliRunner().invoke(main, ["init", str(project), "--from-data", str(data)])
    assert result.exit_code == 0, result.output
    assert f"wrote {project / 'entities' / 'orders.yaml'}" in result.output

    orders = _entity(project, "orders")
    assert orders["key"] == "order_id"
    assert orders["sources"] == {"data": {"path": "Orders.csv"}}
    assert orders["fields"] == {
        "order_id": {"type": "integer", "required": True, "unique": True},
        "customer_name": {"type": "string", "source_name": "Customer Name"},
        "amount": {"type": "number"},
        "placed_on": {"type": "date"},
        "paid": {"type": "boolean"},
    }
    items = _entity(project, "items")
    assert items["key"] == "id"  # a column named id wins over the first distinct column
    assert items["fields"] == {
        "code": {"type": "string"},
        "id": {"type": "integer", "check_type": False, "required": True, "unique": True},
        "seen": {"type": "number", "check_type": False},
    }
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "type" in _rule_kinds(project, "orders")  # CSV is text: values must cast
    assert "type" not in _rule_kinds(project, "items")  # Parquet is typed: a no-op


def test_from_data_one_csv_file(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("name,age\nAnn,30\nBob,x\n", encoding="utf-8")
    project = tmp_path / "proj"
    runner = CliRunner()
    csv = str(tmp_path / "people.csv")
    result = runner.invoke(main, ["init", str(project), "--from-data", csv])
    assert result.exit_code == 0, result.output
    assert _entity(project, "people")["key"] == "name"  # the first column of distinct values
    assert _entity(project, "people")["fields"]["age"] == {"type": "string"}  # 'x' is not a number


def test_from_data_sqlite_database(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as con:
        con.execute(
            "CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "revenue NUMERIC, active BOOLEAN, created DATETIME, opened DATE)"
        )
        con.execute("CREATE TABLE note (body TEXT)")
        con.execute(
            "CREATE TABLE flight (origin TEXT, time_hour DATETIME, dep_delay INTEGER, "
            "PRIMARY KEY (origin, time_hour))"
        )
    project = tmp_path / "proj"
    result = CliRunner().invoke(main, ["init", str(project), "--from-data", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert "note: entity 'note': no column holds distinct values; key 'body' is a guess" in (
        result.output
    )
    spec = yaml.safe_load((project / "vmsdq.yaml").read_text(encoding="utf-8"))
    assert spec["sources"] == {"data": {"type": "sql", "url": f"sqlite:///{db}"}}
    account = _entity(project, "account")
    assert account["sources"] == {"data": {"table": "account"}}
    assert account["fields"] == {
        "id": {"type": "integer", "check_type": False, "required": True, "unique": True},
        "name": {"type": "string"},
        "revenue": {"type": "number", "check_type": False},
        "active": {"type": "boolean", "check_type": False},
        "created": {"type": "timestamp", "check_type": False},
        "opened": {"type": "date", "check_type": False},
    }
    flight = _entity(project, "flight")
    assert flight["key"] == ["origin", "time_hour"]  # the composite primary key
    assert flight["fields"]["origin"] == {"type": "string", "required": True}
    assert flight["rules"] == [
        {"name": "key_unique", "type": "unique", "columns": ["origin", "time_hour"]}
    ]
    result = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "type" not in _rule_kinds(project, "account")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("missing.csv", "--from-data {tmp}/missing.csv: no such file or folder"),
        ("notes.txt", "--from-data {tmp}/notes.txt: not a data file (.csv, .json, .jsonl"),
        ("empty", "--from-data {tmp}/empty: the folder holds no .csv, .parquet"),
    ],
)
def test_from_data_errors(tmp_path: Path, data: str, message: str) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    args = ["init", str(tmp_path / "p"), "--from-data", str(tmp_path / data)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message.format(tmp=tmp_path) in result.output
    assert not (tmp_path / "p").exists()
