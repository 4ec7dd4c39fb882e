"""Tolerances: fail_when / warn_when / mostly decide the outcome, the score and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.core.results import EntityResult, RunResult, Verdict
from vmsdq.core.tolerance import parse_condition
from vmsdq.core.words import Outcome
from vmsdq.engine.testing import TableCase
from vmsdq.scoring.compute import score_rule
from vmsdq.spec.loader import load_project
from vmsdq.spec.models import ScoringSpec

ROWS = [{"id": str(i), "email": "" if i < 3 else f"v{i}@x.org"} for i in range(100)]  # 3 blank


def _email(tmp_path: Path, **required: object):
    fields = {"id": {}, "email": {"required": {"severity": "critical", **required}}}
    case = TableCase("t", fields).rows(*ROWS)
    return case.run(tmp_path).rule("t.email.required")


def test_failing_rows_within_fail_when_pass_with_a_message(tmp_path):
    rule = _email(tmp_path, fail_when="failed_percent > 5")
    assert (rule.outcome, rule.evaluated, rule.failed) == (Outcome.passed, 100, 3)
    assert rule.message == "3 of 100 failed (3%): within tolerance (fail_when failed_percent > 5)"


def test_fail_when_holding_fails(tmp_path):
    rule = _email(tmp_path, fail_when="failed > 2", warn_when="failed > 0")
    assert (rule.outcome, rule.message) == (
        Outcome.failed,
        "3 of 100 failed (3%): fail_when failed > 2",
    )


def test_warn_when_without_fail_when_never_fails(tmp_path):
    rule = _email(tmp_path, warn_when="failed > 0")
    assert (rule.outcome, rule.message) == (
        Outcome.warn,
        "3 of 100 failed (3%): warn_when failed > 0",
    )


@pytest.mark.parametrize(("mostly", "outcome"), [(0.97, Outcome.passed), (0.98, Outcome.failed)])
def test_mostly_is_the_share_that_must_pass(tmp_path, mostly, outcome):
    assert _email(tmp_path, mostly=mostly).outcome is outcome


def test_without_a_tolerance_the_severity_decides(tmp_path):
    rule = _email(tmp_path)
    assert (rule.outcome, rule.message) == (Outcome.failed, "")


def test_table_rules_take_tolerances(tmp_path):
    rules = [{"name": "rows", "type": "row_count", "min": 500, "warn_when": "failed > 0"}]
    rule = TableCase("t", {"id": {}}, rules).rows(*ROWS[:3]).run(tmp_path).rule("t.rows")
    assert (rule.outcome, rule.observed) == (Outcome.warn, 3.0)


def test_a_tolerated_rule_scores_100_and_does_not_fail_the_run(tmp_path):
    rule = _email(tmp_path, fail_when="failed_percent > 5")
    assert score_rule(rule, ScoringSpec()).score == 100.0
    run = RunResult("r", "t", datetime(2026, 1, 1, tzinfo=UTC), status="completed")
    run.entities = [EntityResult("t", 100, rules=[rule])]
    assert run.critical_failures == []
    assert run.verdict() is Verdict.passed
    failing = _email(tmp_path, fail_when="failed_percent > 1")
    assert score_rule(failing, ScoringSpec()).score == 97.0  # a failed rule: its pass rate
    run.entities = [EntityResult("t", 100, rules=[failing])]
    assert run.verdict() is Verdict.failed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("failed_pct > 1", "unknown measure 'failed_pct'"),
        ("failed >", "is not a condition"),
        ("failed_percent > 120", "a percentage is at most 100"),
    ],
)
def test_bad_conditions_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_condition(text)


def test_a_bad_condition_is_a_config_error_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("vmsdq.yaml").write_text(
        "name: t\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"
    )
    Path("entities").mkdir()
    Path("entities/t.yaml").write_text(
        "entity: t\nkey: id\nfields:\n  id: {}\n  email:\n"
        "    required: {fail_when: 'failed_pct > 1'}\n"
    )
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_project(".")
    text = str(info.value)
    assert "entities/t.yaml:6:" in text
    assert "fields.email.required.fail_when" in text
    assert "unknown measure 'failed_pct'" in text


def test_mostly_and_fail_when_together_are_refused():
    with pytest.raises(ValueError, match="give 'mostly' or 'fail_when', not both"):
        TableCase(
            "t", {"id": {}, "e": {"required": {"mostly": 0.9, "fail_when": "failed > 1"}}}
        ).spec()
