"""The CLI as a user runs it: demo, validate, failures, runs, show, config errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        main, ["demo", "--volunteers", "300", "--seed", "7", "--dir", str(target)]
    )
    assert result.exit_code == 0, result.output
    for entity in ("volunteer", "organization", "event", "participation"):
        assert entity in result.output
    return target


def _validate_json(project: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        main, ["validate", "--project", str(project), "--format", "json", *extra]
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_validate_json_has_the_documented_shape(demo_project: Path) -> None:
    code, payload = _validate_json(demo_project)
    assert payload["run_id"]
    entities = {e["entity"]: e for e in payload["entities"]}
    assert {"volunteer", "event", "student", "teacher", "participation"} <= set(entities)
    rule = entities["volunteer"]["rules"][0]
    assert {"rule", "dimension", "severity", "evaluated", "failed", "outcome"} <= set(rule)
    critical_failed = any(
        r["severity"] == "critical" and r["failed"] for e in payload["entities"] for r in e["rules"]
    )
    assert code == (1 if critical_failed else 0)


def test_fail_under_breach_exits_1(demo_project: Path) -> None:
    code, payload = _validate_json(demo_project, "--entity", "district", "--fail-under", "100")
    assert [e["entity"] for e in payload["entities"]] == ["district"]
    assert code == 1


def test_failures_export_puts_the_key_first(demo_project: Path) -> None:
    _, payload = _validate_json(demo_project, "--entity", "volunteer")
    failing = next(
        r for r in payload["entities"][0]["rules"] if r["failed"] and r["kind"] == "format"
    )
    result = CliRunner().invoke(
        main,
        [
            "failures",
            "--project",
            str(demo_project),
            "--run",
            payload["run_id"],
            "--rule",
            failing["rule"],
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][0] == "key"
    assert len(rows) - 1 == failing["failed"]


def test_runs_and_show_list_the_stored_run(demo_project: Path) -> None:
    _, payload = _validate_json(demo_project, "--entity", "school")
    listed = CliRunner().invoke(main, ["runs", "--project", str(demo_project)])
    assert payload["run_id"] in listed.output
    shown = CliRunner().invoke(
        main, ["show", "--project", str(demo_project), payload["run_id"], "--format", "json"]
    )
    assert json.loads(shown.stdout)["run_id"] == payload["run_id"]


def test_revalidating_from_a_runs_snapshots_gives_the_same_counts(demo_project: Path) -> None:
    _, first = _validate_json(demo_project, "--entity", "event")
    _, again = _validate_json(demo_project, "--entity", "event", "--from-run", first["run_id"])
    counts = lambda p: {r["rule"]: r["failed"] for e in p["entities"] for r in e["rules"]}  # noqa: E731
    assert counts(again) == counts(first)
    assert again["run_id"] != first["run_id"]


def test_config_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "vmsdq.yaml").write_text(
        "sources:\n  vms: {type: files, path: data}\ndefault_source: vms\nbogus: 1\n"
    )
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "vmsdq.yaml:4" in result.output
    assert "bogus" in result.output


def test_unknown_entity_is_a_config_error(demo_project: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", "--project", str(demo_project), "--entity", "nope"]
    )
    assert result.exit_code == 2
    assert "unknown entity 'nope'" in result.output
