"""json: text that must parse as JSON, and conform to a JSON Schema when one is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase
from vmsdq.spec.loader import load_entity_file

ROWS = (
    {"id": "1", "prefs": '{"email": true, "sms": false}'},
    {"id": "2", "prefs": "{email: true}"},  # not JSON
    {"id": "3", "prefs": "  "},  # blank: not evaluated
    {"id": "4"},  # NULL: not evaluated
    {"id": "5", "prefs": '{"email": "yes"}'},  # JSON; not a boolean
    {"id": "6", "prefs": "[1, 2]"},  # JSON; not an object
    {"id": "7", "prefs": "null"},  # the JSON null parses
    {"id": "8", "prefs": '{"email": true, "sms": false}'},  # same value as row 1
    {"id": "9", "prefs": '{"email": true, "score": NaN}'},  # DuckDB parses it; RFC 8259 not
    {"id": "10", "prefs": '{"email": true,}'},  # a trailing comma: not JSON either
    {"id": "11", "prefs": '{"email": false, "note": "info: Infinity, [1,2]"}'},  # JSON
)
SCHEMA = {
    "type": "object",
    "properties": {"email": {"type": "boolean"}, "sms": {"type": "boolean"}},
    "required": ["email"],
}


def test_parseable_only(tmp_path: Path) -> None:
    result = TableCase("v", {"id": {}, "prefs": {"json_text": True}}).rows(*ROWS).run(tmp_path)
    rule = result.rule("v.prefs.json")
    assert (rule.evaluated, rule.failed, rule.outcome) == (9, 3, Outcome.failed)
    assert (rule.dimension, rule.severity) == (Dimension.validity, Severity.error)
    assert result.failing("v.prefs.json") == ["10", "2", "9"]
    assert result.failures()[1]["values"] == {"prefs": "{email: true}"}


def test_schema_conformance(tmp_path: Path) -> None:
    fields = {"id": {}, "prefs": {"json_text": {"schema": SCHEMA, "severity": "warning"}}}
    result = TableCase("v", fields).rows(*ROWS).run(tmp_path)
    rule = result.rule("v.prefs.json")
    assert (rule.evaluated, rule.failed, rule.outcome) == (9, 6, Outcome.warn)
    assert result.failing("v.prefs.json") == ["10", "2", "5", "6", "7", "9"]


def test_json_on_a_number_field_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors, match="'json_text' applies to string fields; 'n' is integer"):
        TableCase("v", {"id": {}, "n": {"type": "integer", "json_text": True}}).run(tmp_path)


def test_a_bad_schema_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(
        "entity: v\nkey: id\nfields:\n  id: {}\n  prefs:\n"
        "    json_text:\n      schema: {type: object, properties: {a: {type: 12}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_entity_file(path)
    assert str(caught.value).startswith(f"{path}:7:")
    assert "not a valid JSON Schema (at properties/a/type): 12 is not valid" in str(caught.value)
