"""A CSV project whose integer ids are not all integers: ``vmsdq validate``, ``vmsdq failures``
and the API name every failing record by its id as the file holds it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.web import create_app
from vmsdq.web.testing import session_client

CSV = 'id,age\n17,200\n17.5,200\n0x1F,200\n" 18",200\n18.0,200\n1e3,200\n99999999999999999999,200\n'
IDS = ["17", "17.5", "0x1F", " 18", "18.0", "1e3", "99999999999999999999"]


def _project(root: Path) -> Path:
    spec = {"name": "p", "sources": {"vms": {"type": "files", "path": "data"}}}
    (root / "vmsdq.yaml").write_text(yaml.safe_dump({**spec, "default_source": "vms"}))
    (root / "entities").mkdir()
    entity = {
        "entity": "vol",
        "key": "id",
        "fields": {"id": {"type": "integer"}, "age": {"type": "integer", "min": 0, "max": 120}},
    }
    (root / "entities" / "vol.yaml").write_text(yaml.safe_dump(entity, sort_keys=False))
    (root / "data").mkdir()
    (root / "data" / "vol.csv").write_text(CSV)
    return root


def _failures(project: Path, rule: str) -> list[str]:
    run = CliRunner().invoke(
        main,
        ["failures", "--project", str(project), "--run", "latest", "--rule", rule,
         "--format", "json"],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    return sorted(row["key"] for row in json.loads(run.stdout))


def test_every_failure_names_its_record_as_the_file_holds_it(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    assert run.exit_code in (0, 1), run.output
    [entity] = json.loads(run.stdout)["entities"]
    rules = {r["rule"]: r for r in entity["rules"]}
    assert rules["vol.id.type"]["failed"] == 4 and rules["vol.age.range"]["failed"] == 7

    assert _failures(project, "vol.id.type") == sorted(["17.5", "0x1F", "1e3", IDS[-1]])
    assert _failures(project, "vol.age.range") == sorted(IDS)  # ' 18' and '18.0': two rows
    [path] = (project / ".vmsdq").rglob("failures/vol.parquet")
    assert None not in pq.read_table(path).column("key").to_pylist()

    app = create_app({"VMSDQ_PROJECT": str(project), "TESTING": True})
    try:
        client = session_client(app)
        body = client.get("/api/v1/runs/latest/failures?rule=vol.age.range&limit=50").get_json()
        assert sorted(item["key"] for item in body["items"]) == sorted(IDS)
        found = client.get("/api/v1/runs/latest/failures?rule=vol.id.type&search=0x1f").get_json()
        assert [item["key"] for item in found["items"]] == ["0x1F"]
    finally:
        app.extensions["vmsdq"].executor.shutdown()
