"""Text and typed values convert exactly or fail the field's type rule: no rounding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
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


NONFINITE = """\
entity: m
key: id
sources: {vms: {%s}}
fields:
  id: {required: true}
  x: {type: number, allow_nonfinite: true, min: -100, max: 100}
  y: {type: number}
"""
NONFINITE_ROWS = [  # id, x (allows NaN and infinities), y (does not)
    ("1", "NaN", "NaN"),
    ("2", "inf", "inf"),
    ("3", "-Infinity", "-Infinity"),
    ("4", " INF ", "1"),
    ("5", "1e309", "1e309"),
    ("6", "50", "50"),
    ("7", "Infinityx", "2"),
    ("8", "nan", "3"),
]


def nonfinite_project(tmp_path: Path, source: str) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    (tmp_path / "entities" / "m.yaml").write_text(NONFINITE % source)


def assert_nonfinite_results(tmp_path: Path) -> None:
    rules = run(tmp_path)
    # NaN, inf, -Infinity, INF, nan are numbers of x; 1e309 overflows and Infinityx is text
    assert failing(tmp_path, "m.x.type") == [["5", "1e309"], ["7", "Infinityx"]]
    # ranges: NaN sorts above every number (fails max), inf fails max, -inf fails min
    assert [k for k, _ in failing(tmp_path, "m.x.range")] == ["1", "2", "3", "4", "8"]
    assert rules["m.x.range"]["evaluated"] == 6  # the two values that are not numbers: no
    assert [k for k, _ in failing(tmp_path, "m.y.type")] == ["1", "2", "3", "5"]


def test_nan_and_infinities_are_numbers_where_the_field_allows_them_csv(tmp_path: Path) -> None:
    nonfinite_project(tmp_path, "path: m.csv")
    lines = "".join(f"{i},{x},{y}\n" for i, x, y in NONFINITE_ROWS)
    (tmp_path / "data" / "m.csv").write_text("id,x,y\n" + lines)
    assert_nonfinite_results(tmp_path)


def test_nan_and_infinities_are_numbers_where_the_field_allows_them_json(tmp_path: Path) -> None:
    nonfinite_project(tmp_path, "path: m.json")
    records = [{"id": i, "x": x, "y": y} for i, x, y in NONFINITE_ROWS]
    (tmp_path / "data" / "m.json").write_text(json.dumps(records))
    assert_nonfinite_results(tmp_path)


def test_allow_nonfinite_is_an_option_of_number_fields_only(tmp_path: Path) -> None:
    nonfinite_project(tmp_path, "path: m.csv")
    (tmp_path / "entities" / "m.yaml").write_text(
        "entity: m\nkey: id\nfields: {id: {}, n: {type: integer, allow_nonfinite: true}}\n"
    )
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "m.yaml" in result.output
    assert "allow_nonfinite applies to type number, not integer" in result.output


INSTANTS = """\
entity: s
key: id
sources: {vms: {path: %s}}
fields:
  id: {required: true}
  t: {type: timestamp, min: "2024-03-01T08:00:00", max: "2024-03-01T09:00:00"}
rules:
  - {name: fresh, type: freshness, field: t, max_age: 2h}
"""
INSTANT_ROWS = [  # id, text, the instant it names (UTC); None: not a timestamp
    ("1", "2024-03-01T10:00:00+02:00", "08:00"),
    ("2", "2024-03-01T10:00:00", "10:00"),  # no offset: UTC
    ("3", "2024-03-01T25:00:00", None),
    ("4", "2024-03-01 10:00:00+25:00", None),
    ("5", "2024-03-01T08:30:00.000+0000", "08:30"),  # as Salesforce writes datetimes
    ("6", "2024-03-01T08:45:00Z", "08:45"),
    ("7", "2024-03-01T24:00:00", None),  # not the next day's midnight
    ("8", "2024-03-01T09:30:00-05:00", "14:30"),
    ("9", "2024-03-01 10:00:00+02:60", None),
]


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_timestamp_with_an_offset_is_the_instant_it_names(tmp_path: Path, kind: str) -> None:
    from datetime import UTC, datetime

    from vmsdq.services.context import open_context
    from vmsdq.services.runs import run_now

    setup(tmp_path, "p.csv")
    (tmp_path / "entities" / "p.yaml").unlink()
    (tmp_path / "entities" / "s.yaml").write_text(INSTANTS % f"s.{kind}")
    if kind == "csv":
        lines = "".join(f"{i},{t}\n" for i, t, _ in INSTANT_ROWS)
        (tmp_path / "data" / "s.csv").write_text("id,t\n" + lines)
    else:
        records = [{"id": i, "t": t} for i, t, _ in INSTANT_ROWS]
        (tmp_path / "data" / "s.json").write_text(json.dumps(records))
    now = datetime(2024, 3, 1, 15, 30, tzinfo=UTC)  # an hour after the newest, 14:30 UTC
    run = run_now(open_context(tmp_path), now=now)
    rules = {r.rule: r for e in run.entities for r in e.rules}
    assert failing(tmp_path, "s.t.type") == [[i, t] for i, t, at in INSTANT_ROWS if at is None]
    # 08:00 to 09:00 UTC: 10:00+02:00 is 08:00 (it was read as 10:00 when the offset dropped)
    outside = [i for i, _, at in INSTANT_ROWS if at is not None and not "08:00" <= at <= "09:00"]
    assert [k for k, _ in failing(tmp_path, "s.t.range")] == outside == ["2", "8"]
    assert rules["s.fresh"].observed == 3600.0 and rules["s.fresh"].failed == 0
