"""The one failure writer, fed by a database's flagged rows as by DuckDB's flags table."""

import json
from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from vmsdq.checks import compile_entity
from vmsdq.engine.failures import combine, failure_file, write_flagged
from vmsdq.engine.plan import RowPlan
from vmsdq.engine.testing import TableCase


def read(path) -> list[tuple[str, str, dict]]:
    rows = pq.read_table(path).to_pylist()
    return sorted((r["rule"], r["key"], json.loads(r["values"])) for r in rows)


def test_flagged_rows_from_a_database_read_like_duckdbs(tmp_path) -> None:
    """Values as the driver returned them (float, date, timestamp) get DuckDB's text."""
    fields = {
        "id": {},
        "hours": {"type": "number", "min": 0},
        "joined": {"type": "date", "min": "2020-01-01"},
        "at": {"type": "timestamp", "max": "2024-01-01 00:00:00"},
    }
    rows = [{"id": "1", "hours": -1.0, "joined": "2019-12-31", "at": "2024-05-31 08:00:00"}]
    case = TableCase("t", fields, schema={"hours": pa.float64()}).rows(*rows)
    expected = case.run(tmp_path / "duckdb").failures()
    entity = compile_entity(case.spec(), {"t": case.spec()})
    plan = RowPlan([c for c in entity.checks if c.name.endswith(".range")])
    batch = pa.RecordBatch.from_pydict(
        {
            "__key": ["1"],
            "c0": [1],  # MariaDB flags are integers
            "c1": [1],
            "c2": [1],
            "v0": [-1.0],
            "v1": [date(2019, 12, 31)],
            "v2": [datetime(2024, 5, 31, 8)],
        }
    )
    path = failure_file(tmp_path, "t")
    write_flagged(path, plan, [0, 1, 2], [batch], "t")
    assert read(path) == [(r["rule"], r["key"], r["values"]) for r in expected]
    assert read(path) == [
        ("t.at.range", "1", {"at": "2024-05-31 08:00:00"}),
        ("t.hours.range", "1", {"hours": "-1.0"}),
        ("t.joined.range", "1", {"joined": "2019-12-31"}),
    ]


def test_no_flagged_rows_still_write_the_file(tmp_path) -> None:
    case = TableCase("t", {"id": {}, "x": {"required": True}})
    entity = compile_entity(case.spec(), {"t": case.spec()})
    path = tmp_path / "t.parquet"
    write_flagged(path, RowPlan(list(entity.checks)), [], [], "t")
    assert pq.read_table(path).schema.names == ["rule", "key", "values"]
    assert read(path) == []


def test_combine_replaces_the_target_with_every_part(tmp_path) -> None:
    def part(name: str, key: str) -> str:
        table = pa.table({"rule": ["t.r"], "key": [key], "values": ["{}"]})
        pq.write_table(table, tmp_path / name)
        return str(tmp_path / name)

    target = tmp_path / "t.parquet"
    combine([tmp_path / part("t.pushed.parquet", "a"), tmp_path / part("t.parquet", "b")], target)
    assert read(target) == [("t.r", "a", {}), ("t.r", "b", {})]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet", "t.pushed.parquet"]


def test_many_rules_each_record_their_own_failing_rows(tmp_path) -> None:
    """Hundreds of rules on one entity: every failing (rule, key) pair is in the failure file
    once, with its values, and rules that pass add nothing (one scan, not one part each)."""
    rules = [
        {"name": f"at_least_{i}", "type": "expression", "check": f"amount >= {i}"}
        for i in range(300)
    ]
    fields = {"id": {}, "amount": {"type": "integer"}}
    rows = [{"id": str(n), "amount": n} for n in (0, 150, 299, 400)]
    result = TableCase("item", fields, rules=rules).rows(*rows).run(tmp_path)
    found = result.failures()
    expected = sorted(
        (f"item.at_least_{i}", str(n)) for i in range(300) for n in (0, 150, 299, 400) if n < i
    )
    assert sorted((r["rule"], r["key"]) for r in found) == expected
    assert found[0]["values"] == {"amount": "0"}
    assert result.rule("item.at_least_299").failed == 2
    assert result.rule("item.at_least_0").failed == 0
