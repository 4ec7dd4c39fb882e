"""Composite keys (``key: [origin, time_hour]``): failure keys keep each part typed, and
uniqueness, required, references, transitions and order work on every part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from vmsdq.cli import main
from vmsdq.core.errors import ConfigErrors
from vmsdq.engine.testing import TableCase
from vmsdq.spec.models import EntitySpec

FIELDS = {
    "origin": {"required": True},
    "time_hour": {"type": "timestamp", "required": True},
    "flight": {"type": "integer"},
    "status": {},
}
KEY = ["origin", "time_hour"]
ROWS = (
    {"origin": "JFK", "time_hour": "2013-01-01 05:00:00", "flight": "1545", "status": "on time"},
    {"origin": "JFK", "time_hour": "2013-01-01 06:00:00", "flight": "1714", "status": "late"},
    {"origin": "LGA", "time_hour": "2013-01-01 05:00:00", "flight": "1141", "status": "x"},
    {"origin": "LGA", "time_hour": "2013-01-01 05:00:00", "flight": "725", "status": "late"},
    {"origin": " ", "time_hour": "2013-01-01 07:00:00", "flight": "461"},
)
UNIQUE = {"name": "key_unique", "type": "unique", "columns": KEY}
ALLOWED = {"status": {"allowed": ["on time", "late"]}}


def _case(*rules: dict[str, object]) -> TableCase:
    return TableCase("flight", FIELDS | ALLOWED, list(rules), key=KEY).rows(*ROWS)  # type: ignore[arg-type]


def test_failure_keys_are_json_arrays_of_typed_parts(tmp_path: Path) -> None:
    result = _case(UNIQUE).run(tmp_path)
    assert result.failing("flight.status.allowed") == ['["LGA","2013-01-01 05:00:00"]']
    keys = [json.loads(k) for k in result.failing("flight.key_unique")]
    assert keys == [["LGA", "2013-01-01 05:00:00"]] * 2  # both members of the duplicate pair
    assert result.failing("flight.origin.required") == ['[" ","2013-01-01 07:00:00"]']
    typed = (
        TableCase(
            "f", {"a": {}, "n": {"type": "integer"}, "s": {"allowed": ["ok"]}}, key=["a", "n"]
        )
        .rows({"a": "x", "n": "7", "s": "no"})
        .run(tmp_path)
    )  # type: ignore[arg-type]
    assert typed.failing("f.s.allowed") == ['["x",7]']  # a number stays a number


def test_parts_of_the_key_are_key_fields(tmp_path: Path) -> None:
    rule = _case().run(tmp_path).rule("flight.origin.required")
    assert rule.severity == "critical"  # required on a key part, like on a one-field key


def test_reference_to_a_composite_key(tmp_path: Path) -> None:
    delays = {
        "entity": "delay",
        "key": "id",
        "fields": {"id": {}, "origin": {}, "time_hour": {"type": "timestamp"}},
        "rules": [{"name": "to_flight", "type": "reference", "columns": KEY, "entity": "flight"}],
    }
    case = TableCase("delay", delays["fields"], delays["rules"]).rows(  # type: ignore[arg-type]
        {"id": "1", "origin": "JFK", "time_hour": "2013-01-01 05:00:00"},
        {"id": "2", "origin": "JFK", "time_hour": "2013-01-01 07:00:00"},  # no such flight
        {"id": "3", "origin": "EWR"},  # time_hour missing: not evaluated
    )
    flight = {"entity": "flight", "key": KEY, "fields": FIELDS}
    result = case.with_entity(flight, list(ROWS)).run(tmp_path)
    assert result.failing("delay.to_flight") == ["2"]
    assert result.rule("delay.to_flight").evaluated == 2


def test_references_shorthand_to_a_composite_key_needs_a_field(tmp_path: Path) -> None:
    case = TableCase("delay", {"id": {}, "origin": {"references": "flight"}})
    case.with_entity({"entity": "flight", "key": KEY, "fields": FIELDS}, [])
    with pytest.raises(
        ConfigErrors, match=r"needs a one-field key; the key is \[origin, time_hour\]"
    ):
        case.run(tmp_path)


def test_transition_on_a_composite_key(tmp_path: Path) -> None:
    rule = {"name": "flow", "type": "transition", "field": "status",
            "allowed": {"on time": ["late"]}}  # fmt: skip
    case = _case(rule).previous(
        {"origin": "JFK", "time_hour": "2013-01-01 05:00:00", "status": "late"},  # late->on time
        {"origin": "JFK", "time_hour": "2013-01-01 06:00:00", "status": "on time"},  # allowed
    )
    assert case.run(tmp_path).failing("flight.flow") == ['["JFK","2013-01-01 05:00:00"]']


def test_spec_errors() -> None:
    with pytest.raises(ValidationError, match="key 'hour' is not one of the fields"):
        EntitySpec.model_validate({"entity": "f", "key": ["origin", "hour"], "fields": FIELDS})
    with pytest.raises(ValidationError, match="names a field twice"):
        EntitySpec.model_validate({"entity": "f", "key": ["origin", "origin"], "fields": FIELDS})
    mirrored = {"entity": "f", "key": KEY, "fields": FIELDS,
                "mirror": {"object": "Flight__c", "match_on": "origin"}}  # fmt: skip
    with pytest.raises(ValidationError, match="a mirrored entity needs a one-field key"):
        EntitySpec.model_validate(mirrored)


PROJECT = "name: t\nsources:\n  data: {type: files, path: data}\ndefault_source: data\n"
ENTITY = """\
entity: flight
key: [origin, time_hour]
sources:
  data: {path: flights.csv}
fields:
  origin: {required: true}
  time_hour: {type: timestamp, required: true}
  status: {allowed: [on time, late]}
rules:
  - {name: key_unique, type: unique, columns: [origin, time_hour]}
"""


def test_cli_failures_and_export_show_the_parts(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "entities" / "flight.yaml").write_text(ENTITY, encoding="utf-8")
    (tmp_path / "data" / "flights.csv").write_text(
        "origin,time_hour,status\nJFK,2013-01-01 05:00:00,late\nJFK,2013-01-01 06:00:00,lost\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    args = ["failures", "--project", str(tmp_path), "--run", "latest"]
    args += ["--rule", "flight.status.allowed"]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"key": "[\\"JFK\\",\\"2013-01-01 06:00:00\\"]"' in result.output, result.output
    result = runner.invoke(main, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert '"[""JFK"",""2013-01-01 06:00:00""]","lost"' in result.output
    from vmsdq.services.context import open_context
    from vmsdq.services.failures import list_failures
    from vmsdq.services.views import failure_view

    page = list_failures(open_context(tmp_path), "latest")
    assert [failure_view(f) for f in page.items] == [
        {
            "rule": "flight.status.allowed",
            "key": '["JFK","2013-01-01 06:00:00"]',
            "values": {"status": "lost"},
            "key_parts": {"origin": "JFK", "time_hour": "2013-01-01 06:00:00"},
        }
    ]
