"""SIGKILL at many points of a run, on SQLite and on PostgreSQL: the run is never completed
without its scores; it stays running with its progress, resumes to exactly one set of
results, history says it is missing, and gc removes what the dead process left behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text

from vmsdq.cli import main
from vmsdq.services.context import open_context
from vmsdq.services.runs import get_run, progress, run_now
from vmsdq.store import Database

RUN = "20260101T000000-abcdef"
POINTS = ["started", "read", "validated", "saved", "scoring", "scored", "completed"]
PROJECT = "name: k\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"


def _child(project: str, point: str) -> None:
    os.environ["VMSDQ_KILL_AT"] = point
    Database.close_all()  # nothing inherited from the parent's connections
    run_now(open_context(Path(project)), run_id=RUN)
    os._exit(0)  # not reached at a kill point


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"vmsdq_kill_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    db = Database(make_url(rendered))
    db.upgrade()
    db.dispose()
    monkeypatch.setenv("VMSDQ_DATABASE_URL", rendered)
    try:
        yield "postgresql"
    finally:
        Database.close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def project(root: Path) -> Path:
    (root / "entities").mkdir()
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT)
    for name in ("a", "b"):
        (root / "entities" / f"{name}.yaml").write_text(
            f"entity: {name}\nkey: id\nfields:\n  id: {{required: true}}\n  v: {{required: true}}\n"
        )
        (root / "data" / f"{name}.csv").write_text("id,v\n1,x\n2,\n")
    return root


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_never_leaves_a_completed_run_without_scores(
    tmp_path: Path, store: str, point: str
) -> None:
    root = project(tmp_path)
    Database.close_all()
    child = multiprocessing.get_context("fork").Process(target=_child, args=(str(root), point))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL, f"{store}: not killed at {point}"

    ctx = open_context(root)
    summary, steps = progress(ctx, RUN)
    if point == "completed":  # killed after the status was written: scored already
        assert summary.status == "completed" and get_run(ctx, RUN).scores is not None
    else:
        assert summary.status in ("queued", "running"), (store, point, summary.status)
        done = [s.name for s in steps if s.status == "completed"]
        shown = CliRunner().invoke(main, ["runs", "status", RUN, "--project", str(root)])
        assert shown.exit_code == 0 and summary.status in shown.output
        history = CliRunner().invoke(main, ["history", "--project", str(root)])
        assert f"Not shown: 1 runs that have not finished ({RUN})" in history.output
        assert point not in ("saved", "scoring", "scored") or "a" in done

        resumed = CliRunner().invoke(main, ["runs", "resume", RUN, "--project", str(root)])
        assert resumed.exit_code in (0, 1), resumed.output
    Database.close_all()
    ctx = open_context(root)
    run = get_run(ctx, RUN)
    assert run.status == "completed" and run.scores is not None and run.scores.overall is not None
    assert sorted(e.entity for e in run.entities) == ["a", "b"]  # exactly one set of results
    assert sum(r.failed for r in run.rules) == 2

    gc = CliRunner().invoke(main, ["gc", "--project", str(root), "--format", "json"])
    assert gc.exit_code == 0, gc.output
    assert not (ctx.artifacts.run_dir(RUN) / "work").exists()
    assert get_run(ctx, RUN).scores is not None  # gc keeps the newest completed run
