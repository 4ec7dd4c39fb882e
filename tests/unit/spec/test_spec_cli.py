"""vmsdq init / schema / check, and the functions behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigError
from vmsdq.spec.init import available_packs, init_project
from vmsdq.spec.schema import entity_json_schema, project_json_schema


def test_init_writes_the_pack_and_it_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "proj" / "vmsdq.yaml").is_file()
    assert len(list((tmp_path / "proj" / "entities").glob("*.yaml"))) == 8
    assert f"wrote {tmp_path / 'proj' / 'vmsdq.yaml'}" in result.output

    result = runner.invoke(main, ["check", "--project", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 8 entities, ")


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    init_project(tmp_path)
    (tmp_path / "vmsdq.yaml").write_text("edited", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "not overwriting existing files (use --force): " in result.output
    assert (tmp_path / "vmsdq.yaml").read_text(encoding="utf-8") == "edited"

    result = CliRunner().invoke(main, ["init", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vmsdq.yaml").read_text(encoding="utf-8") != "edited"


def test_unknown_pack_lists_available(tmp_path: Path) -> None:
    assert available_packs() == ["vms"]
    with pytest.raises(ConfigError, match=r"unknown pack 'crm' \(available: vms\)"):
        init_project(tmp_path, pack="crm")
    assert not any(tmp_path.iterdir())


def test_check_prints_errors_and_exits_2(tmp_path: Path) -> None:
    init_project(tmp_path)
    event = tmp_path / "entities" / "event.yaml"
    event.write_text(
        event.read_text(encoding="utf-8").replace(
            "check: end_time > start_time", "check: end_time > (SELECT 1)"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "Configuration error:" in result.output
    assert f"{event}:" in result.output
    assert "rule 'event.end_after_start': subqueries are not allowed" in result.output


def test_check_without_a_project(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path}/vmsdq.yaml: project file not found" in result.output


def test_schema_command_prints_json() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "vmsdq entity file"
    result = CliRunner().invoke(main, ["schema", "--kind", "project"])
    assert json.loads(result.output)["title"] == "vmsdq project file"
    assert CliRunner().invoke(main, ["schema", "--kind", "x"]).exit_code == 2


def test_entity_schema_describes_keys_and_rule_types() -> None:
    schema = entity_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["entity", "fields", "key"]
    assert "identifies a record" in schema["properties"]["key"]["description"]
    mapping = schema["properties"]["rules"]["items"]["discriminator"]["mapping"]
    assert sorted(mapping) == [
        "aggregate",
        "drift",
        "expression",
        "freshness",
        "metric",
        "monotonic",
        "reference",
        "row_count",
        "row_count_compare",
        "transition",
        "unique",
    ]
    assert "sandboxed" in schema["$defs"]["ExpressionRule"]["properties"]["check"]["description"]


def test_project_schema() -> None:
    schema = project_json_schema()
    assert sorted(schema["required"]) == ["default_source", "sources"]
    assert "schema" in json.dumps(schema["$defs"]["SqlSourceSpec"]["properties"])


def test_check_also_compiles_the_rules(tmp_path: Path) -> None:
    init_project(tmp_path)
    event = tmp_path / "entities" / "event.yaml"
    text = event.read_text(encoding="utf-8")
    event.write_text(
        text.replace(
            "{name: has_rows, type: row_count, min: 1}", "{name: has_rows, type: row_count}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    line, col = next(
        (i, t.index("name: has_rows") + 1)
        for i, t in enumerate(text.splitlines(), 1)
        if "name: has_rows" in t
    )
    assert (
        f"{event}:{line}:{col}: rule 'event.has_rows': row_count needs 'min' or 'max'"
        in result.output
    )
