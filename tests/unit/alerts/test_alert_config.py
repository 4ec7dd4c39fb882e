"""Bad alert configuration is an error naming the rule, the key and what is allowed: in
vmsdq.yaml (at load and in ``vmsdq check``) and through the API's rule changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigError, ConfigErrors
from vmsdq.services import alert_rules
from vmsdq.services.context import load
from vmsdq.services.project import check_project

from .conftest import MakeCtx

ENTITY = "entity: volunteer\nkey: id\nfields:\n  id: {required: true}\n"


def _project(root: Path, alerts: str) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "entities" / "volunteer.yaml").write_text(ENTITY)
    (root / "vmsdq.yaml").write_text(
        "sources: {data: {type: files}}\ndefault_source: data\n" + alerts
    )
    return root


def test_a_rule_without_its_key_or_with_a_typo_fails_to_load_with_its_line(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "a", "alerts:\n  rules:\n    - {name: low, kind: score_below}\n")
    with pytest.raises((ConfigError, ConfigErrors), match="needs 'threshold'") as found:
        load(root)
    assert "vmsdq.yaml" in str(found.value)
    typo = _project(
        tmp_path / "b", "alerts:\n  rules:\n    - {name: low, kind: score_below, treshold: 8}\n"
    )
    with pytest.raises((ConfigError, ConfigErrors), match="treshold"):
        load(typo)


def test_vmsdq_check_lists_scopes_the_project_lacks_and_report_channels_not_email(
    tmp_path: Path,
) -> None:
    root = _project(
        tmp_path,
        "alerts:\n  channels: {hook: {type: webhook, url: 'https://h.example.org/x'}}\n"
        "  rules:\n"
        "    - {name: a, kind: score_below, threshold: 80, scope: {entity: volunter}}\n"
        "    - {name: b, kind: critical_failing, scope: {rule: volunteer.id.unique}}\n"
        "reports: {schedules: {weekly: {channels: [hook]}}}\n",
    )
    with pytest.raises(ConfigErrors) as found:
        check_project(root)
    text = str(found.value)
    assert "alerts.rules 'a': scope.entity 'volunter' is not an entity of the project" in text
    assert "alerts.rules 'b': scope.rule 'volunteer.id.unique' is not a rule" in text
    assert "reports.schedules.weekly: channel 'hook' is not an email channel" in text
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 2 and "volunter" in result.output


def test_the_api_refuses_a_rule_watching_what_does_not_exist(make_ctx: MakeCtx) -> None:
    ctx = make_ctx({})
    with pytest.raises(ConfigError, match="scope.entity 'nobody' is not an entity"):
        alert_rules.put_rule(
            ctx, "x", {"kind": "score_below", "threshold": 50, "scope": {"entity": "nobody"}}
        )
    with pytest.raises(ConfigError, match="alert rule 'x': scope: give a dimension or a rule"):
        alert_rules.put_rule(
            ctx,
            "x",
            {"kind": "new_anomaly", "scope": {"dimension": "validity", "rule": "volunteer.id"}},
        )
    assert alert_rules.list_rules(ctx) == []
