"""Salesforce datetimes (REST writes ``...000+0000``, Bulk 2.0 ``...Z``) are the instants they
name: read from the fake org over HTTP, then validated, a range on them holds in UTC."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vmsdq.cli import main

from .conftest import SourceFactory, sfid, volunteer_entity

ENTITY = """\
entity: c
key: Id
sources: {vms: {path: c.parquet}}
fields:
  Id: {}
  SystemModstamp: {type: timestamp, min: "2026-01-01T00:00:00", max: "2026-01-01T00:05:00"}
"""


@pytest.mark.parametrize("bulk_threshold", [1000, 5], ids=["rest", "bulk"])
def test_salesforce_datetimes_are_utc_instants(
    make_source: SourceFactory, tmp_path: Path, bulk_threshold: int
) -> None:
    snap = make_source(bulk_threshold=bulk_threshold, incremental=False).read(volunteer_entity())
    table = snap.table
    assert isinstance(table, pa.Table)
    assert snap.meta["mode"] == ("rest" if bulk_threshold == 1000 else "bulk")
    project = tmp_path / "p"
    (project / "entities").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "vmsdq.yaml").write_text(
        "name: sf\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"
    )
    (project / "entities" / "c.yaml").write_text(ENTITY)
    pq.write_table(table.select(["Id", "SystemModstamp"]), project / "data" / "c.parquet")
    args = ["validate", "--project", str(project), "--format", "json"]
    shown = json.loads(CliRunner().invoke(main, args).stdout)
    rules = {r["rule"]: r for e in shown["entities"] for r in e["rules"]}
    assert rules["c.SystemModstamp.type"]["failed"] == 0
    out = CliRunner().invoke(
        main, ["failures", "--project", str(project), "--run", "latest",
               "--rule", "c.SystemModstamp.range"],
    )  # fmt: skip
    failing = sorted(line.split(",")[0].strip('"') for line in out.output.splitlines()[1:])
    assert failing == [sfid("003", i) for i in range(6, 10)]  # modified after 00:05 UTC
