"""The read paths rewritten for speed give the answers of the ones they replaced: the verdict
from counts in SQL, the rule look-up, failing rows paged from the run's index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vmsdq.core.errors import NotFoundError
from vmsdq.services import failures, lookup
from vmsdq.services.context import Context, open_context
from vmsdq.services.scores import scores_as_run
from vmsdq.store.pages import decode_cursor
from vmsdq.web.testing import build_demo, copy_project

RULE = "volunteer.email.format"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("read-paths"), days=2)


@pytest.fixture
def ctx(demo: Path, tmp_path: Path) -> Context:
    return open_context(copy_project(demo, tmp_path / "demo"))


def test_the_verdict_from_counts_is_the_verdict_of_the_whole_run(ctx: Context) -> None:
    for summary in ctx.repos.runs.page(limit=10).items:
        run = lookup.stored_run(ctx, summary.run_id)
        run.scores = scores_as_run(ctx, run)
        for bar in (None, 0.0, 50.0, 99.9, 100.0):
            assert lookup.verdict(ctx, summary, bar) == run.verdict(bar), (summary.run_id, bar)


def test_a_rule_is_found_by_one_look_up_as_by_every_name(ctx: Context) -> None:
    run_id = lookup.resolve(ctx, "latest")
    entities, rules = ctx.repos.results.names(run_id)
    parseable = failures.PARSEABLE
    for rule in [*rules[:20], f"{entities[0]}{parseable}"]:
        assert ctx.repos.results.has_rule(run_id, rule, parseable)
    for rule in ("volunteer.email.formatt", f"nobody{parseable}", "", parseable):
        assert not ctx.repos.results.has_rule(run_id, rule, parseable)
    with pytest.raises(NotFoundError, match="did you mean: volunteer.email.format"):
        failures.list_failures(ctx, "latest", rule="volunteer.email.formatt")


def _scanned(
    ctx: Context, cursor: str | None, descending: bool
) -> list[tuple[str, str, dict[str, Any]]]:
    _, files = failures._files(ctx, "latest", RULE)
    after = decode_cursor(cursor, 4) if cursor else None
    rows = failures._scanned(files, RULE, None, None, "key", descending, after, 8)
    return [(r[0], r[1], json.loads(r[2] or "{}")) for r in rows[:7]]


@pytest.mark.parametrize("descending", [False, True])
def test_failing_rows_from_the_index_are_the_rows_of_the_files(
    ctx: Context, descending: bool
) -> None:
    cursor, pages = None, 0
    while True:
        page = failures.list_failures(
            ctx, "latest", rule=RULE, limit=7, cursor=cursor, descending=descending
        )
        assert [(f.rule, f.key, f.values) for f in page.items] == _scanned(ctx, cursor, descending)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages > 1
    run_id = lookup.resolve(ctx, "latest")
    assert ctx.artifacts.failure_index(run_id).is_file()


def test_the_index_is_rebuilt_when_the_failure_files_change(ctx: Context) -> None:
    first = failures.list_failures(ctx, "latest", rule=RULE, limit=3)
    run_id = lookup.resolve(ctx, "latest")
    index = ctx.artifacts.failure_index(run_id)
    built = index.stat().st_mtime_ns
    volunteer = ctx.artifacts.failures_file(run_id, "volunteer")
    volunteer.write_bytes(volunteer.read_bytes())  # a step validated again: same rows, new file
    again = failures.list_failures(ctx, "latest", rule=RULE, limit=3)
    assert [f.key for f in again.items] == [f.key for f in first.items]
    assert index.stat().st_mtime_ns > built


def test_a_search_or_another_sort_still_reads_the_files(ctx: Context) -> None:
    page = failures.list_failures(ctx, "latest", rule=RULE, search="@", limit=5)
    assert all("@" in (f.key + json.dumps(f.values)).lower() for f in page.items)
    by_rule = failures.list_failures(ctx, "latest", entity="volunteer", sort="rule", limit=5)
    assert [f.rule for f in by_rule.items] == sorted(f.rule for f in by_rule.items)
