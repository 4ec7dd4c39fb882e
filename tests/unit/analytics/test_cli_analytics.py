"""The analytics commands through click's CliRunner on a SQLite results store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.scoring.testing import D, S, entity, rule, run
from vmsdq.services.context import open_context
from vmsdq.services.runs import import_run

T0 = datetime(2026, 10, 1, 6, tzinfo=UTC)
PROJECT = """\
name: t
sources: {data: {type: files, path: data}}
default_source: data
scoring:
  dimension_weights: {completeness: 0.5, validity: 0.5}
  thresholds: {volunteer: 80}
"""
ENTITY = """\
entity: volunteer
key: id
fields:
  id: {type: string, required: true}
  email: {type: string, format: email}
"""


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    (tmp_path / "entities" / "volunteer.yaml").write_text(ENTITY)
    ctx = open_context(tmp_path)
    for i, failed in enumerate([30, 25, 20, 15, 10]):
        r = run(
            entity(
                "volunteer",
                [
                    rule("volunteer.id.required", D.completeness, S.critical, 100, 0),
                    rule("volunteer.email.format", D.validity, S.warning, 80, failed),
                ],
            ),
            run_id=f"r{i}",
            when=T0 + timedelta(days=i),
        )
        import_run(ctx, r)
    return tmp_path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_score_shows_the_stored_scores(project_dir: Path) -> None:
    out = invoke("score", "r0", "--project", str(project_dir))
    assert "run r0: config v1, as run" in out
    assert "overall 81.2 (good)" in out  # (100 + 62.5) / 2
    assert "volunteer  81.2   fair" in out
    assert "anomalies flagged on this run: 0" in out


def test_score_latest_and_rescore_under_a_new_config(project_dir: Path) -> None:
    invoke("settings", "set", "dimension_weights.validity", "1.5", "--project", str(project_dir))
    out = invoke("score", "latest", "--rescore", "--project", str(project_dir))
    assert "run r4: config v2, rescored under config v2" in out
    assert "overall 90.6" in out  # (100 x .5 + 87.5 x 1.5) / 2


def test_explain_names_the_rule_that_costs_most(project_dir: Path) -> None:
    out = invoke("explain", "r0", "--entity", "volunteer", "--project", str(project_dir))
    assert "entity volunteer 81.2 (fair; threshold 80)" in out
    assert "volunteer.email.format 62.5 (30 of 80 rows failed) x 1 x 0.5 (warning)" in out
    assert "fixing volunteer.email.format (now 62.5) adds 18.75 points to volunteer" in out


def test_explain_unknown_entity_is_an_error(project_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["explain", "r0", "--entity", "nobody", "--project", str(project_dir)]
    )
    assert result.exit_code == 2
    assert "run 'r0' has no entity 'nobody'; it has: volunteer" in result.output


def test_history_for_an_entity_and_a_rule(project_dir: Path) -> None:
    out = invoke("history", "--entity", "volunteer", "--project", str(project_dir))
    assert "entity volunteer (5 runs)" in out
    assert "2026-10-01 06:00  r0   81.2   30      180        100   1" in out
    out = invoke("history", "--rule", "volunteer.email.format", "--project", str(project_dir))
    assert "2026-10-05 06:00  r4   87.5   10      80" in out


def test_trends_state_slope_direction_and_target(project_dir: Path) -> None:
    out = invoke("trends", "--project", str(project_dir))
    # email failures drop 5 rows a day: 6.25 points/day on the rule, 3.125 on the entity
    assert "entity volunteer  93.8  +3.1     -      -       +3.12      improving" in out
    assert "stable = slope within +/-0.1 points/day" in out
    assert "overall: target 85 already met (93.8)" in out
    out = invoke("trends", "--rule", "volunteer.email.format", "--project", str(project_dir))
    assert "rule volunteer.email.format  87.5  +6.2" in out
    assert "+6.25      improving" in out


def test_settings_show_set_history(project_dir: Path) -> None:
    d = str(project_dir)
    assert "thresholds.volunteer = 80.0" in invoke("settings", "show", "--project", d)
    assert "config v2: set target = 90" in invoke("settings", "set", "target", "90", "--project", d)
    out = invoke("settings", "history", "--project", d)
    assert "v1" in out and "from vmsdq.yaml" in out and "set target = 90" in out
    assert "target = 85.0" in invoke("settings", "show", "--version", "1", "--project", d)


def test_settings_set_rejects_bad_values_with_exit_2(project_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["settings", "set", "target", "high", "--project", str(project_dir)]
    )
    assert result.exit_code == 2
    assert "settings: target = 'high' is not valid" in result.output
    result = CliRunner().invoke(
        main, ["settings", "set", "colour", "1", "--project", str(project_dir)]
    )
    assert "unknown key 'colour'; valid keys: severity_weights.<critical" in result.output


def test_anomalies_lists_none_then_rescans(project_dir: Path) -> None:
    d = str(project_dir)
    assert "no anomalies" in invoke("anomalies", "--project", d)
    out = invoke("anomalies", "--rescan", "--project", d)
    assert "rescanned every run: 0 anomalies (sensitivity 3.5)" in out


def test_unknown_run_is_a_usage_error(project_dir: Path) -> None:
    result = CliRunner().invoke(main, ["score", "nope", "--project", str(project_dir)])
    assert result.exit_code == 2
    assert "run 'nope' is not in the results database" in result.output
