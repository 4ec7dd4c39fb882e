"""A run in phases: killed between phases, inside validate and inside finish, then resumed,
gives exactly the results of an uninterrupted run, with no duplicate rows in the store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, func, make_url, select, text, update

from vmsdq.core.errors import ConflictError, NotFoundError, SourceError, TransientError
from vmsdq.core.results import RunResult
from vmsdq.demo import generate_demo
from vmsdq.services import runs
from vmsdq.services.context import Context, open_context
from vmsdq.store import Database
from vmsdq.store.models import EntityResultRow, RuleResultRow, Run, ScoreRowModel

ENTITIES = ["volunteer", "event", "school", "district"]  # mirrored, previous state, references
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from vmsdq.services import run_steps, runs
    from vmsdq.services.context import open_context

    project, run_id, mode, *entities = sys.argv[1:]
    ctx = open_context(project)

    def die(*_a, **_k):
        os.kill(os.getpid(), signal.SIGKILL)

    runs.start_run(ctx, run_id=run_id, entities=entities)
    plan = ctx.repos.runs.plan(run_id)
    if mode == "between":
        for view in plan["reads"][:3]:
            runs.read_view(ctx, run_id, view)
        die()
    for view in plan["reads"]:
        runs.read_view(ctx, run_id, view)
    if mode == "inside-validate":
        from vmsdq.engine import duckdb_backend
        original = duckdb_backend.DuckDBBackend.validate
        calls = []
        def validate_then_die(self, *args, **kwargs):
            found = original(self, *args, **kwargs)   # failure file written, results not saved
            calls.append(1)
            if len(calls) == 2:
                die()
            return found
        duckdb_backend.DuckDBBackend.validate = validate_then_die
    for entity in plan["entities"]:
        runs.validate_entity(ctx, run_id, entity)
    if mode == "inside-finish":
        original_status = ctx.repos.runs.set_status
        def set_status(run_id, status, at, **values):
            if status == "completed":
                die()                                  # scores saved, status not yet
            return original_status(run_id, status, at, **values)
        ctx.repos.runs.set_status = set_status
    runs.finish_run(ctx, run_id)
    """
)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, volunteers=150, seed=11, write_truth=False, salesforce=True)
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def project(
    request: pytest.FixtureRequest,
    demo_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """A copy of the demo project, its results in SQLite or in a PostgreSQL schema."""
    root = tmp_path / "project"
    shutil.copytree(demo_data, root)
    if request.param == "sqlite":
        monkeypatch.setenv("VMSDQ_DATABASE_URL", f"sqlite:///{root / 'results.db'}")
        yield root
        Database.close_all()
        return
    url = make_url(request.getfixturevalue("postgres_url"))
    schema = f"vmsdq_phase_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    migrator = Database(scoped)
    migrator.upgrade()
    migrator.dispose()
    monkeypatch.setenv("VMSDQ_DATABASE_URL", scoped.render_as_string(hide_password=False))
    try:
        yield root
    finally:
        Database.close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kill_during(project: Path, run_id: str, mode: str) -> None:
    script = project.parent / "child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, str(script), str(project), run_id, mode, *ENTITIES],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == -9, done.stderr[-2000:]


def outcome(ctx: Context, run: RunResult) -> dict[str, object]:
    """What a user sees of a run: every rule's counts, the scores, the failing keys."""
    files = [str(f) for f in ctx.artifacts.failure_files(run.run_id)]
    keys = duckdb.sql(f"SELECT rule, key FROM read_parquet({files}) ORDER BY ALL").fetchall()
    assert run.scores is not None
    return {
        "rules": [(r.rule, r.evaluated, r.failed, str(r.outcome)) for r in run.rules],
        "entities": [(e.entity, e.rows, e.status) for e in run.entities],
        "overall": run.scores.overall,
        "entity_scores": {k: v.score for k, v in run.scores.entities.items()},
        "failing": keys,
    }


def stored_rows(ctx: Context, run_id: str) -> tuple[int, int, int]:
    with ctx.db.session() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m).where(m.run_id == run_id))
            for m in (EntityResultRow, RuleResultRow, ScoreRowModel)
        )


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["between", "inside-validate", "inside-finish"])
def test_a_killed_run_resumes_to_the_results_of_an_uninterrupted_one(
    project: Path, mode: str
) -> None:
    ctx = open_context(project)
    reference = runs.run_now(ctx, run_id="reference", entities=ENTITIES)

    kill_during(project, "killed", mode)

    summary, steps = runs.progress(ctx, "killed")
    assert summary.status == "running"  # never "completed" without its scores
    assert any(s.status == "completed" for s in steps)
    assert any(s.status != "completed" for s in steps) or mode == "inside-finish"
    with (
        pytest.raises(ConflictError, match="resume it with `vmsdq runs resume killed`")
        if (mode != "inside-finish")
        else _nothing()
    ):
        runs.finish_run(ctx, "killed")
    resumed = runs.resume_run(ctx, "killed")

    assert resumed.status == "completed"
    assert outcome(ctx, resumed) == outcome(ctx, reference)
    assert stored_rows(ctx, "killed") == stored_rows(ctx, "reference")
    again = runs.resume_run(ctx, "killed")  # resuming a finished run changes nothing
    assert outcome(ctx, again) == outcome(ctx, reference)
    assert stored_rows(ctx, "killed") == stored_rows(ctx, "reference")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_repeating_every_phase_leaves_one_set_of_results(project: Path) -> None:
    ctx = open_context(project)
    run_id = runs.start_run(ctx, run_id="twice", entities=["school", "district"])
    assert runs.start_run(ctx, run_id="twice", entities=["school", "district"]) == "twice"
    plan = ctx.repos.runs.plan(run_id)
    assert plan is not None
    for _ in range(2):
        for view in plan["reads"]:
            runs.read_view(ctx, run_id, view)
        for entity in plan["entities"]:
            runs.validate_entity(ctx, run_id, entity)
    first = runs.finish_run(ctx, run_id)
    second = runs.finish_run(ctx, run_id)
    assert first.overall_score == second.overall_score
    assert stored_rows(ctx, run_id)[0] == 2


def test_recounts_that_cross_leave_the_finished_run_counted_right(project: Path) -> None:
    # the executor validates entities in parallel; each recounts the run once saved, and a
    # recount that counted before the other's save was visible can be written last
    ctx = open_context(project)
    run_id = runs.start_run(ctx, run_id="crossed", entities=["school", "district"])
    plan = ctx.repos.runs.plan(run_id)
    assert plan is not None
    for view in plan["reads"]:
        runs.read_view(ctx, run_id, view)
    runs.validate_entity(ctx, run_id, "school")
    counted = ctx.repos.runs.summary(run_id)
    assert counted is not None and counted.entity_count == 1
    runs.validate_entity(ctx, run_id, "district")
    with ctx.repos.runs.session() as s:  # the first recount's stale write lands last
        s.execute(update(Run).where(Run.id == run_id).values(entity_count=1))
    runs.finish_run(ctx, run_id)
    done = ctx.repos.runs.summary(run_id)
    assert done is not None and done.entity_count == 2 and done.status == "completed"


def test_progress_is_persisted_and_cancel_stops_the_remaining_steps(project: Path) -> None:
    ctx = open_context(project)
    run_id = runs.start_run(ctx, run_id="c1", entities=["volunteer", "school"])
    summary, steps = runs.progress(ctx, run_id)
    assert summary.status == "queued" and {s.status for s in steps} == {"queued"}
    plan = ctx.repos.runs.plan(run_id)
    assert plan is not None
    runs.read_view(ctx, run_id, plan["reads"][0])
    summary, steps = runs.progress(ctx, run_id)
    assert summary.status == "running"
    read = next(s for s in steps if s.name == plan["reads"][0])
    assert read.status == "completed" and read.rows > 0 and read.attempts == 1
    assert runs.cancel_run(ctx, run_id, reason="stopped by test").status == "cancelled"
    result = runs.resume_run(ctx, run_id)
    assert result.status == "cancelled" and result.message == "stopped by test"
    _, steps = runs.progress(ctx, run_id)
    assert [s.status for s in steps if s.kind == "validate"] == ["queued", "queued"]


def test_a_transient_source_error_is_raised_for_a_retry_or_recorded(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.services.sources import RunSources

    def flaky(self: RunSources, view: object) -> object:
        raise TransientError("server busy, try later")

    monkeypatch.setattr(RunSources, "read", flaky)
    ctx = open_context(project)
    run_id = runs.start_run(ctx, run_id="t1", entities=["school"])
    with pytest.raises(TransientError):
        runs.read_view(ctx, run_id, "school", retry_transient=True)
    step = ctx.repos.steps.get(run_id, "read", "school")
    assert step is not None and (step.status, step.message) == ("queued", "server busy, try later")
    runs.read_view(ctx, run_id, "school")  # in process: recorded as that view's failure
    step = ctx.repos.steps.get(run_id, "read", "school")
    assert step is not None and step.status == "failed" and step.attempts == 2
    result = runs.resume_run(ctx, run_id)
    school = result.entities[0]
    assert school.status == "error" and "server busy" in school.message
    assert result.verdict().value == "incomplete"


def test_any_exception_of_a_source_is_that_views_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.services.sources import RunSources

    original = RunSources.read

    def broken(self: RunSources, view: object) -> object:
        if getattr(view, "entity", "") == "district":
            raise OSError("Parquet magic bytes not found in footer")
        return original(self, view)  # type: ignore[arg-type]

    monkeypatch.setattr(RunSources, "read", broken)
    result = runs.run_now(open_context(project), entities=["district", "school"])
    by = {e.entity: e for e in result.entities}
    assert by["district"].status == "error"
    assert "OSError: Parquet magic bytes not found in footer" in by["district"].message
    assert by["school"].rows > 0


def test_identifiers_that_would_reach_outside_the_artifacts_are_refused(project: Path) -> None:
    from vmsdq.store.artifacts import UnsafeNameError

    ctx = open_context(project)
    for bad in ("../../x", "a/b", "..", "/etc"):
        with pytest.raises(UnsafeNameError):
            runs.start_run(ctx, run_id=bad)
        with pytest.raises(UnsafeNameError):
            runs.start_run(ctx, from_run=bad)
        with pytest.raises(UnsafeNameError):
            runs.get_run(ctx, bad)
    with pytest.raises(NotFoundError, match="has no stored snapshots"):
        runs.start_run(ctx, from_run="never-ran")
    assert not (project.parent / "x").exists()


def test_source_errors_say_whether_retrying_can_help() -> None:
    assert issubclass(SourceError, Exception)
