"""The services the pages need, called directly: catalogue SQL, reconciliation, the rule
editor, settings diffs, results export, dashboard scores; and permissions through the app."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from vmsdq.core.errors import ConfigError, ConfigErrors, NotFoundError, PermissionDeniedError
from vmsdq.services import catalog, config_diff, dashboard, editor, exports, reconciliation
from vmsdq.services.context import Actor, open_context
from vmsdq.services.settings import update
from vmsdq.web import create_app
from vmsdq.web.testing import session_client


def test_rule_sql_runs_and_finds_the_failing_rows(project: Path) -> None:
    ctx = open_context(project)
    rule = catalog.get_rule(ctx, "volunteer.first_name.length")
    snapshot = project / ".vmsdq" / "artifacts" / "runs"
    latest = dashboard.overview(ctx).latest
    assert latest is not None
    files = sorted((snapshot / latest.run_id / "snapshots").glob("volunteer.*.parquet"))
    con = duckdb.connect()
    con.execute(f"CREATE VIEW volunteer AS SELECT * FROM read_parquet({[str(f) for f in files]})")
    found = con.execute(rule.sql).fetchall()
    result = catalog.rule_results(ctx, "latest", search="volunteer.first_name.length").items[0]
    assert len(found) == result.failed


def test_catalogue_filters_and_suggests(project: Path) -> None:
    ctx = open_context(project)
    critical = catalog.list_rules(ctx, severity="critical")
    assert critical and {r.severity for r in critical} == {"critical"}
    assert all(not r.source.startswith("/") for r in critical)  # no server paths
    with pytest.raises(NotFoundError, match="did you mean: volunteer.email.format"):
        catalog.get_rule(ctx, "volunteer.emial.format")
    with pytest.raises(NotFoundError, match="it has: district"):
        catalog.get_entity(ctx, "nosuch")


def test_reconciliation_refuses_unmirrored_entities_and_unknown_fields(project: Path) -> None:
    ctx = open_context(project)
    rec = reconciliation.reconciliation(ctx, "latest", "volunteer")
    assert rec.ours >= rec.missing_in_theirs and rec.fields
    with pytest.raises(NotFoundError, match="reconciles no field 'shoe_size'"):
        reconciliation.mismatches(ctx, "latest", "volunteer", "shoe_size")
    with pytest.raises(ConfigError, match="side 'mars'"):
        reconciliation.missing(ctx, "latest", "volunteer", "mars")


def test_editor_reports_lines_and_saves_only_valid_text(project: Path) -> None:
    ctx = open_context(project)
    text = catalog.entity_source(ctx, "volunteer")
    broken = editor.preview_entity(ctx, "volunteer", text.replace("key:", "kee:", 1))
    assert not broken.valid
    assert any(p.line == 3 and "did you mean 'key'" in p.message for p in broken.problems)
    with pytest.raises(ConfigErrors):
        editor.save_entity(ctx, "volunteer", "entity: volunteer\n")
    assert catalog.entity_source(ctx, "volunteer") == text  # nothing written
    renamed = editor.preview_entity(
        ctx, "volunteer", text.replace("entity: volunteer", "entity: x")
    )
    assert not renamed.valid
    unchanged = editor.preview_entity(ctx, "volunteer", text)
    assert unchanged.valid and unchanged.changed == [] and unchanged.note == "no rule changed"
    viewer = open_context(project, actor=Actor("ann", "viewer"))
    with pytest.raises(PermissionDeniedError):
        editor.save_entity(viewer, "volunteer", text)


def test_settings_diff_between_versions(project: Path) -> None:
    ctx = open_context(project)
    update(ctx, "target", "90")
    saved = update(ctx, "severity_weights.info", "0.3")
    diff = config_diff.diff_versions(ctx, after=saved.version)
    assert [(c.key, c.after) for c in diff.changes] == [("severity_weights.info", 0.3)]
    wide = config_diff.diff_versions(ctx, before=1, after=saved.version)
    assert {c.key for c in wide.changes} == {"target", "severity_weights.info"}


def test_results_export_formats(project: Path) -> None:
    ctx = open_context(project)
    text = b"".join(exports.export_results(ctx, "latest", "csv")).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == dashboard.overview(ctx).latest.rule_count  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="format 'xml'"):
        exports.export_results(ctx, "latest", "xml")


def test_dashboard_scores_match_the_stored_run_and_are_reused(project: Path) -> None:
    ctx = open_context(project)
    first = dashboard.overview(ctx)
    again = dashboard.overview(ctx)
    assert first.scores is again.scores  # computed once per process
    assert first.latest is not None and first.scores is not None
    assert round(first.scores.overall or 0, 6) == round(first.latest.score or 0, 6)
    assert len(first.trend) == 3 and first.gains


def test_the_actor_is_chosen_per_request(project: Path) -> None:
    app = create_app({"VMSDQ_PROJECT": str(project), "VMSDQ_ACTOR": lambda: Actor("ann", "viewer")})
    client = session_client(app)
    assert client.get("/api/v1/runs").status_code == 200
    denied = client.put("/api/v1/settings", json={"key": "target", "value": "90"})
    assert denied.status_code == 403 and denied.get_json()["code"] == "forbidden"
    rows = client.get("/api/v1/runs/latest/failures?rule=volunteer.email.format")
    assert rows.status_code == 403  # row-level data needs a steward
    app.extensions["vmsdq"].executor.shutdown()
