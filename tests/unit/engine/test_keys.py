"""A row's key in its failure rows (engine/keys.py): the typed value where it is what the
source holds, else the text as read; never NULL for a value, never two texts as one key."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from vmsdq.checks import compile_entity
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.planner import split_by_capabilities
from vmsdq.engine.testing import TableCase

AGE = {"type": "integer", "min": 0, "max": 120}
NOT_INTEGERS = ["17.5", "0x1F", "1e3", "1_000", "99999999999999999999", "abc"]


def _ages(key_type: str, ids: list[str | None], **schema: pa.DataType) -> TableCase:
    case = TableCase("vol", {"id": {"type": key_type}, "age": AGE})
    case.rows(*[{"id": i, "age": "200"} for i in ids])
    case.schema = schema or {"id": pa.string(), "age": pa.string()}
    return case


def test_a_key_that_does_not_cast_keeps_its_text_in_every_failure(tmp_path: Path) -> None:
    result = _ages("integer", ["17", *NOT_INTEGERS, "", None]).run(tmp_path)
    assert result.failing("vol.id.type") == sorted(NOT_INTEGERS)
    # every row fails the range; a NULL key stays NULL (sorted first)
    assert result.failing("vol.age.range") == [None, *sorted(["17", "", *NOT_INTEGERS])]


def test_a_date_key_that_does_not_cast_keeps_its_text(tmp_path: Path) -> None:
    ids = ["2024-01-01", "24-01-01", "2023-02-29", "infinity", "2024-01-01 00:00:00"]
    result = _ages("date", ids).run(tmp_path)
    assert result.failing("vol.id.type") == ["2023-02-29", "24-01-01", "infinity"]
    assert result.failing("vol.age.range") == sorted(ids)


def test_spellings_of_one_value_are_keys_of_their_own(tmp_path: Path) -> None:
    """'18', ' 18', '18.0' and '+18' are one integer to the rules (a duplicate of each other)
    and four keys, so a user finds each row."""
    spellings = ["18", " 18", "18.0", "+18"]
    case = _ages("integer", [*spellings, "19"])
    case.fields["id"]["unique"] = True
    result = case.run(tmp_path)
    assert result.failing("vol.id.unique") == sorted(spellings)
    assert result.failing("vol.age.range") == sorted([*spellings, "19"])
    assert result.rule("vol.id.type").failed == 0  # each casts exactly
    twice = _ages("integer", ["17.5", "17.5", "1"])
    twice.fields["id"]["unique"] = True
    again = twice.run(tmp_path / "twice")
    assert again.failing("vol.id.type") == ["17.5", "17.5"]  # no integer: not a duplicate
    assert again.rule("vol.id.unique").failed == 0


def test_a_typed_column_gives_the_typed_value(tmp_path: Path) -> None:
    integers = _ages("integer", ["7", "-3"], id=pa.int64(), age=pa.string()).run(tmp_path)
    assert integers.failing("vol.age.range") == ["-3", "7"]
    doubles = _ages("integer", ["17.5", "18.0"], id=pa.float64(), age=pa.string())
    result = doubles.run(tmp_path / "doubles")
    assert result.failing("vol.id.type") == ["17.5"]  # a double that is no integer: as read
    assert result.failing("vol.age.range") == ["17.5", "18"]
    moments = TableCase("t", {"at": {"type": "timestamp"}, "age": AGE}, key="at")
    moments.rows({"at": "2024-03-01T10:00:00+02:00", "age": "200"})
    moments.schema = {"at": pa.timestamp("us", tz="Europe/Paris")}
    found = moments.run(tmp_path / "moments").failing("t.age.range")
    assert found == ["2024-03-01 08:00:00"]  # the instant in UTC, whatever the session's zone


def test_a_composite_key_keeps_a_part_that_does_not_cast_as_text(tmp_path: Path) -> None:
    case = TableCase("f", {"a": {}, "n": {"type": "integer"}, "s": {"allowed": ["ok"]}})
    case.key = ["a", "n"]  # type: ignore[assignment]
    case.rows(
        {"a": "x", "n": "7", "s": "no"},
        {"a": "x", "n": "17.5", "s": "no"},
        {"a": "x", "n": " 7", "s": "no"},
        {"a": "y", "n": None, "s": "no"},
    )
    case.schema = {"n": pa.string()}
    keys = {json.dumps(json.loads(k)) for k in case.run(tmp_path).failing("f.s.allowed")}
    expected = [["x", 7], ["x", "17.5"], ["x", " 7"], ["y", None]]  # a number stays a number
    assert keys == {json.dumps(k) for k in expected}


def test_relations_compare_typed_values_and_leave_a_key_that_does_not_cast_out(
    tmp_path: Path,
) -> None:
    """A target key that does not cast is no target; a reference that does not cast is not
    evaluated (its type rule fails it)."""
    team = {"entity": "team", "key": "id", "fields": {"id": {"type": "integer"}}}
    case = TableCase("p", {"id": {}, "team": {"type": "integer", "references": "team"}})
    case.rows({"id": "a", "team": "7"}, {"id": "b", "team": "17.5"}, {"id": "c", "team": "7.0"})
    case.rows({"id": "d", "team": "8"})
    case.with_entity(team, [{"id": " 7"}, {"id": "8.5"}])
    result = case.run(tmp_path)
    assert result.failing("p.team.references") == ["d"]  # ' 7' is 7; '8.5' is no team
    assert result.rule("p.team.references").evaluated == 3
    assert result.failing("p.team.type") == ["b"]


def test_a_number_key_is_written_by_duckdb_only(tmp_path: Path) -> None:
    """Databases and Spark write the double 20000.0 as 20000 (or 2.0E4): never pushed."""
    spec = TableCase("m", {"x": {"type": "number"}, "age": AGE}, key="x").spec()
    entity = compile_entity(spec, {"m": spec})
    views = {"m": Snapshot("m", "mem:m", table=pa.table({"x": [20000.0], "age": [1]}))}
    split = split_by_capabilities(entity, DuckDBBackend(), views)
    assert split.pushed == ()
    assert set(split.reasons.values()) == {"a number key is written by DuckDB"}
