"""Retention (``vmsdq gc`` and the scheduled clean-up) and runs stuck past their time limit."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.services import runs
from vmsdq.services.context import open_context
from vmsdq.services.overdue import fail_overdue, never_started
from vmsdq.services.retention import clean_up

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def dated_run(project: Path, days_ago: int, run_id: str) -> str:
    ctx = open_context(project)
    runs.run_now(ctx, entities=["district"], now=NOW - timedelta(days=days_ago), run_id=run_id)
    return run_id


def test_old_runs_go_with_their_files_and_the_newest_stays(project: Path) -> None:
    ancient, old, recent = (dated_run(project, d, f"r{d}") for d in (200, 120, 10))
    ctx = open_context(project)
    for run_id in (ancient, old, recent):
        assert ctx.artifacts.run_dir(run_id).is_dir()
    stray = ctx.artifacts.failures_dir("scratch-run")  # a --no-store run's files
    (stray / "x.parquet").write_bytes(b"x" * 10)
    os.utime(stray / "x.parquet", (0, 0))
    os.utime(stray, (0, 0))
    os.utime(stray.parent, (0, 0))

    preview = clean_up(ctx, keep_days=90, now=NOW, dry_run=True)
    assert preview.runs == [old, ancient] or preview.runs == sorted([ancient, old])
    assert ctx.artifacts.run_dir(old).is_dir()  # a dry run removes nothing

    report = clean_up(ctx, keep_days=90, now=NOW)
    assert report.runs == sorted([ancient, old])
    assert sorted(report.folders) == sorted([ancient, old, "scratch-run"])
    assert report.bytes_freed > 0
    left = [r.run_id for r in runs.list_runs(ctx).items]
    assert left == [recent]
    assert not ctx.artifacts.run_dir(old).exists() and ctx.artifacts.run_dir(recent).is_dir()
    assert ctx.repos.steps.list(old) == []  # steps, results, scores went with the run


def test_the_newest_completed_run_is_kept_however_old(project: Path) -> None:
    only = dated_run(project, 400, "lonely")
    report = clean_up(open_context(project), keep_days=90, now=NOW)
    assert report.runs == [] and runs.get_run(open_context(project), only).status == "completed"


def test_gc_command_reports_what_it_removes(project: Path) -> None:
    for days in (300, 200):
        dated_run(project, days, f"gc{days}")
    done = CliRunner().invoke(
        main, ["gc", "--project", str(project), "--keep-days", "30", "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["runs"] == ["gc300"]
    text = CliRunner().invoke(main, ["gc", "--project", str(project), "--dry-run"])
    assert text.exit_code == 0 and text.output.startswith("would remove 0 runs")


def test_a_run_stuck_past_its_time_limit_is_failed_with_where_it_stopped(project: Path) -> None:
    ctx = open_context(project)
    never = runs.start_run(ctx, run_id="never", entities=["district"], now=NOW)
    stuck = runs.start_run(ctx, run_id="stuck", entities=["district", "school"], now=NOW)
    for view in ctx.repos.runs.plan(stuck)["reads"]:  # type: ignore[index]
        runs.read_view(ctx, stuck, view)
    ctx.repos.steps.start(stuck, "validate", "district", NOW)  # its worker died here
    assert never_started(ctx, idle_seconds=60, now=NOW + timedelta(minutes=5)) == [never]

    assert fail_overdue(ctx, 7200, now=NOW + timedelta(hours=1)) == []
    failed = fail_overdue(ctx, 7200, now=NOW + timedelta(hours=3))
    assert sorted(failed) == ["never", "stuck"]
    summary, steps = runs.progress(ctx, "stuck")
    assert summary.status == "failed"
    assert summary.message == ("run exceeded its time limit of 7200 s; stuck at: validate district")
    district = next(s for s in steps if s.kind == "validate" and s.name == "district")
    assert district.status == "failed" and district.message == summary.message
    assert runs.progress(ctx, "never")[0].message.endswith("no worker ever started it")
    assert fail_overdue(ctx, 7200, now=NOW + timedelta(hours=4)) == []  # once
