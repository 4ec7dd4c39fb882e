"""One bad source never aborts the run: each becomes its entity's error or quarantined
records, and the healthy entities are validated and stored."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.sources.json_array import split_json_array

PROJECT = "name: bad\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"


def entity(name: str, path: str) -> str:
    return (
        f"entity: {name}\nkey: id\nsources: {{vms: {{path: {path}}}}}\n"
        "fields:\n  id: {required: true}\n  name: {required: true}\n"
    )


def build(root: Path) -> None:
    (root / "entities").mkdir()
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT)
    files = {
        "truncated": "truncated.parquet",
        "latin": "latin.csv",
        "array": "array.json",
        "healthy": "healthy.csv",
    }
    for name, path in files.items():
        (root / "entities" / f"{name}.yaml").write_text(entity(name, path))
    table = pa.table({"id": [str(i) for i in range(100)], "name": ["x"] * 100})
    pq.write_table(table, root / "data" / "truncated.parquet")
    whole = (root / "data" / "truncated.parquet").read_bytes()
    (root / "data" / "truncated.parquet").write_bytes(whole[: len(whole) // 2])
    (root / "data" / "latin.csv").write_bytes(b"id,name\n1,ok\n2,caf\xe9\n3,fine\n")
    (root / "data" / "array.json").write_text(
        '[\n  {"id": "1", "name": "a"},\n  {"id": "2", "name": },\n  {"id": "3", "name": "c"}\n]'
    )
    (root / "data" / "healthy.csv").write_text("id,name\n1,ok\n")


def test_bad_files_are_that_entitys_error_and_the_rest_is_stored(tmp_path: Path) -> None:
    build(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    assert result.exit_code == 3, result.output
    payload = json.loads(result.stdout)
    by = {e["entity"]: e for e in payload["entities"]}
    assert by["truncated"]["status"] == "error"
    assert by["truncated"]["message"].startswith(
        "entity 'truncated': cannot read data/truncated.parquet: not a readable Parquet file"
    )
    assert (by["latin"]["status"], by["latin"]["rows"], by["latin"]["rejected"]) == ("ok", 2, 1)
    assert (by["array"]["status"], by["array"]["rows"], by["array"]["rejected"]) == ("ok", 2, 1)
    assert by["healthy"]["status"] == "ok"
    assert payload["verdict"] == "incomplete"
    shown = CliRunner().invoke(main, ["show", payload["run_id"], "--project", str(tmp_path)])
    assert shown.exit_code == 0, shown.output  # stored, with the healthy entities' results
    assert "healthy" in shown.output and "not a readable Parquet file" in " ".join(
        shown.output.split()
    )


def test_a_json_array_keeps_the_elements_that_parse(tmp_path: Path) -> None:
    source = tmp_path / "a.json"
    source.write_bytes(
        b'[{"id": "1", "note": "a ] , { \\" tricky"},\n'
        b' {"id": "2", "note": },\n 17,\n'
        b' {"id": "4", "nested": {"x": [1, 2]}}]'
    )
    with source.open("rb") as fh:
        rejects, kept = split_json_array("e", fh, "a.json", tmp_path / "clean.jsonl")
    assert kept == 2
    assert [(r.line, r.error) for r in rejects] == [
        (2, "invalid JSON: Expecting value at column 21"),
        (3, "not a JSON object"),
    ]
    lines = (tmp_path / "clean.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "4"]


def test_an_unclosed_array_is_reported_not_dropped(tmp_path: Path) -> None:
    source = tmp_path / "a.json"
    source.write_bytes(b'[{"id": "1"},\n {"id": "2"')
    with source.open("rb") as fh:
        rejects, kept = split_json_array("e", fh, "a.json", tmp_path / "clean.jsonl")
    assert kept == 1
    assert [(r.line, r.raw) for r in rejects] == [(2, '{"id": "2"')]
    assert "not closed" in rejects[0].error
