"""Failing rows paged, searched and exported; --no-store scores under the settings in force;
exit codes follow the run's verdict."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.services import settings
from vmsdq.services.context import load, open_context, scratch_context
from vmsdq.services.failures import export_failures, list_failures
from vmsdq.services.runs import run_now
from vmsdq.services.scores import preview

PROJECT = """\
name: t
sources: {data: {type: files, path: data}}
default_source: data
"""
ENTITY = """\
entity: volunteer
key: id
fields:
  id: {required: true, unique: true}
  email: {format: email}
  phone: {length: 5}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "entities").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT)
    (tmp_path / "entities" / "volunteer.yaml").write_text(ENTITY)
    emails = [f"bad{i}" if i % 3 == 0 else f"ok{i}@example.org" for i in range(60)]
    phones = ["1234567" if i % 5 == 0 else "123" for i in range(60)]
    rows = ["id,email,phone"] + [f"v{i:03d},{emails[i]},{phones[i]}" for i in range(60)]
    (tmp_path / "data" / "volunteer.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_failing_rows_page_by_cursor_sort_and_search(project: Path) -> None:
    ctx = open_context(project)
    run = run_now(ctx)
    rule = "volunteer.email.format"
    seen, cursor = [], None
    while True:
        page = list_failures(ctx, run.run_id, rule=rule, limit=7, cursor=cursor)
        seen += [f.key for f in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [f"v{i:03d}" for i in range(0, 60, 3)]
    assert seen == expected  # every row once, in key order, across pages
    backwards = list_failures(ctx, run.run_id, rule=rule, descending=True, limit=100)
    assert [f.key for f in backwards.items] == expected[::-1]
    found = list_failures(ctx, run.run_id, search="BAD27")
    assert [(f.key, f.values) for f in found.items] == [("v027", {"email": "bad27"})]
    mixed = list_failures(ctx, run.run_id, entity="volunteer", sort="rule", limit=100)
    assert {f.rule for f in mixed.items} == {rule, "volunteer.phone.length"}
    with pytest.raises(ConfigError, match="sort 'colour' is not one of"):
        list_failures(ctx, run.run_id, sort="colour")
    with pytest.raises(ConfigError, match="is not a cursor this server issued"):
        list_failures(ctx, run.run_id, cursor="garbage!")


def test_exports_stream_every_row_in_three_formats(project: Path, tmp_path: Path) -> None:
    ctx = open_context(project)
    run = run_now(ctx)
    rule = "volunteer.email.format"
    text = b"".join(export_failures(ctx, run.run_id, rule, "csv")).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["key", "email"] and len(rows) == 21 and rows[1] == ["v000", "bad0"]
    records = json.loads(b"".join(export_failures(ctx, "latest", rule, "json")))
    assert len(records) == 20 and records[0] == {"key": "v000", "email": "bad0"}
    target = tmp_path / "out.parquet"
    target.write_bytes(b"".join(export_failures(ctx, run.run_id, rule, "parquet")))
    assert pq.read_table(target).num_rows == 20
    none = b"".join(export_failures(ctx, run.run_id, "volunteer.id.unique", "csv"))
    assert none.decode().strip() == '"key"'  # a known rule without failures: just the header


def test_an_unknown_rule_names_the_closest_and_exits_2(project: Path) -> None:
    ctx = open_context(project)
    run = run_now(ctx)
    with pytest.raises(NotFoundError, match="did you mean: volunteer.email.format"):
        list(export_failures(ctx, run.run_id, "volunteer.emial.format", "csv"))
    result = CliRunner().invoke(
        main,
        ["failures", "--project", str(project), "--run", run.run_id, "--rule", "volunteer.emial"],
    )
    assert result.exit_code == 2
    assert "has no rule 'volunteer.emial'; did you mean: volunteer.email" in result.output
    result = CliRunner().invoke(
        main, ["failures", "--project", str(project), "--run", "../../x", "--rule", "r"]
    )
    assert result.exit_code == 2 and "run id '../../x' is not allowed" in result.output


def test_no_store_scores_under_the_settings_in_force_and_writes_nothing(project: Path) -> None:
    ctx = open_context(project)
    run_now(ctx)
    settings.update(ctx, "entities.volunteer.threshold", "95")
    stored = run_now(ctx)
    before = len(ctx.repos.runs.page().items), len(settings.history(ctx))
    scratch = run_now(scratch_context(load(project)))
    assert scratch.scores is not None and stored.scores is not None
    assert scratch.scores.config_version == stored.scores.config_version == 2
    assert scratch.scores.entities["volunteer"].band == stored.scores.entities["volunteer"].band
    assert scratch.scores.entities["volunteer"].threshold == 95
    assert (len(ctx.repos.runs.page().items), len(settings.history(ctx))) == before


def test_a_preview_shows_the_change_before_it_is_saved(project: Path) -> None:
    ctx = open_context(project)
    run_now(ctx)
    found = preview(ctx, "dimension_weights.validity", "1")
    assert found.before.overall != found.after.overall
    assert [c.version for c in settings.history(ctx)] == [1]  # nothing saved
    out = CliRunner().invoke(
        main, ["settings", "preview", "dimension_weights.validity", "1", "--project", str(project)]
    )
    assert out.exit_code == 0 and "(nothing saved)" in out.output and "overall" in out.output


def test_exit_codes_follow_the_verdict(project: Path) -> None:
    args = ["validate", "--project", str(project), "--format", "json"]
    warned = CliRunner().invoke(main, args)
    assert (warned.exit_code, json.loads(warned.stdout)["verdict"]) == (0, "warned")
    assert CliRunner().invoke(main, [*args, "--fail-under", "99"]).exit_code == 1
    (project / "entities" / "volunteer.yaml").write_text(
        ENTITY + 'rules:\n  - {name: broken, type: expression, check: "email > 3"}\n'
    )
    broken = CliRunner().invoke(main, args)
    payload = json.loads(broken.stdout)
    assert (broken.exit_code, payload["verdict"]) == (3, "incomplete")
    errored = [r for e in payload["entities"] for r in e["rules"] if r["outcome"] == "error"]
    assert [r["rule"] for r in errored] == ["volunteer.broken"]
    table = CliRunner().invoke(main, ["validate", "--project", str(project)])
    assert table.exit_code == 3
    assert "volunteer.broken:" in table.output and "could not be evaluated" in table.output


def test_two_runs_at_once_write_only_their_own_files(project: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ctx = open_context(project)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda i: run_now(open_context(project), run_id=f"both-{i}"), [0, 1]))
    assert [r.status for r in done] == ["completed", "completed"]
    assert [r.rules for r in done[0].entities] == [r.rules for r in done[1].entities]
    for run in done:
        snapshot = ctx.artifacts.snapshot(run.run_id, "volunteer")
        assert snapshot is not None
        assert all(
            Path(p).is_relative_to(ctx.artifacts.run_dir(run.run_id)) for p in snapshot.parquet
        )
        assert not (ctx.artifacts.run_dir(run.run_id) / "work").exists()  # scratch dropped
