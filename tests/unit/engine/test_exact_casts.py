"""Text and typed values convert exactly or fail the field's type rule: no rounding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from vmsdq.cli import main

PROJECT = "name: c\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"
ENTITY = """\
entity: p
key: id
sources: {vms: {path: %s}}
fields:
  id: {required: true}
  n: {type: integer, max: 2013}
  x: {type: number}
  d: {type: date}
  t: {type: timestamp}
"""
CSV = """\
id,n,x,d,t
1,17,1.5,2024-01-01,2024-01-01T10:00:00Z
2,17.5,NaN,24-01-01,infinity
3,0x1F,inf,infinity,2024-01-01 10:00:00
4,1_000,1e309,2024-02-30,2024-13-01
5, 12 ,-2.5e3,2024-01-01,2024-01-01
6,17.0,.5,2024-12-31,2024-01-01 10:00:00.250
"""


def setup(tmp_path: Path, path: str) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    (tmp_path / "entities" / "p.yaml").write_text(ENTITY % path)


def run(tmp_path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    payload = json.loads(result.stdout)
    return {r["rule"]: r for e in payload["entities"] for r in e["rules"]}


def failing(tmp_path: Path, rule: str) -> list[list[str]]:
    out = CliRunner().invoke(
        main, ["failures", "--project", str(tmp_path), "--run", "latest", "--rule", rule]
    )
    return [line.replace('"', "").split(",") for line in out.output.strip().splitlines()[1:]]


def test_text_values_convert_exactly(tmp_path: Path) -> None:
    setup(tmp_path, "p.csv")
    (tmp_path / "data" / "p.csv").write_text(CSV)
    rules = run(tmp_path)
    assert failing(tmp_path, "p.n.type") == [["2", "17.5"], ["3", "0x1F"], ["4", "1_000"]]
    assert failing(tmp_path, "p.x.type") == [["2", "NaN"], ["3", "inf"], ["4", "1e309"]]
    assert failing(tmp_path, "p.d.type") == [
        ["2", "24-01-01"], ["3", "infinity"], ["4", "2024-02-30"]
    ]  # fmt: skip
    assert failing(tmp_path, "p.t.type") == [["2", "infinity"], ["4", "2024-13-01"]]
    assert rules["p.n.range"]["failed"] == 0  # 17.5 is not "18 <= 2013": it is not an integer


def test_a_double_column_declared_integer_is_not_rounded(tmp_path: Path) -> None:
    setup(tmp_path, "p.parquet")
    table = pa.table(
        {
            "id": ["1", "2", "3"],
            "n": pa.array([2013.0, 2013.4, 2014.0]),
            "x": pa.array([1.0, float("nan"), float("inf")]),
            "d": pa.array(["2024-01-01", "2024-02-30", "2024-03-01"]),
            "t": pa.array(["2024-01-01", "2024-01-01", "2024-01-01"]),
        }
    )
    pq.write_table(table, tmp_path / "data" / "p.parquet")
    rules = run(tmp_path)
    assert rules["p.n.type"]["failed"] == 1  # 2013.4 is not an integer; 2013.0 is
    assert [k for k, _ in failing(tmp_path, "p.n.type")] == ["2"]
    assert [k for k, _ in failing(tmp_path, "p.n.range")] == ["3"]  # 2014 > 2013, 2013.4 left out
    assert [k for k, _ in failing(tmp_path, "p.x.type")] == ["2", "3"]
    assert [k for k, _ in failing(tmp_path, "p.d.type")] == ["2"]
