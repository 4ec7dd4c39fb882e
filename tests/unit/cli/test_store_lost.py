"""A SQLite results database that cannot be written once the run has validated (its disk
fills up, another process holds it locked): the run's results are still printed and scored,
the user reads where its files are and how to store it, nothing is corrupt, and a resume
stores it (a PostgreSQL server that goes away: tests/integration/test_store_lost_postgres.py).
The full disk is a small tmpfs of its own (mounting needs root; otherwise that test skips)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.services import run_steps
from vmsdq.store import Database

PROJECT = """\
name: lost
sources: {{vms: {{type: files, path: data}}}}
default_source: vms
store: {{url: "sqlite:///{db}"}}
"""
RUN_ID = "20260101T000000-10057a"


def project(root: Path, db: Path) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT.format(db=db))
    (root / "entities" / "a.yaml").write_text(
        "entity: a\nkey: id\nfields: {id: {required: true}, n: {type: integer}}\n"
    )
    (root / "entities" / "b.yaml").write_text(
        "entity: b\nkey: id\nfields: {id: {}, d: {type: date}}\n"
    )
    (root / "data" / "a.csv").write_text("id,n\n1,5\n2,x\n3,7\n4,8\n")
    (root / "data" / "b.csv").write_text("id,d\n1,2024-01-01\n2,2024-02-30\n3,2024-03-01\n")
    return root


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        Database.close_all()
        subprocess.run(["umount", "-l", str(mount)], check=True)


def break_at_validated(monkeypatch: pytest.MonkeyPatch, fault: Callable[[], None]) -> None:
    """``fault`` happens once, when the first entity is validated (before it is saved)."""
    real = run_steps.checkpoint
    armed = [True]

    def checkpoint(point: str) -> None:
        if point == "validated" and armed[0]:
            armed[0] = False
            fault()
        real(point)

    monkeypatch.setattr(run_steps, "checkpoint", checkpoint)


def validate(root: Path, fmt: str = "table") -> tuple[int, str, str]:
    args = ["validate", "--project", str(root), "--run-id", RUN_ID, "--format", fmt]
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def fill(mount: Path) -> None:
    with (mount / "filler").open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


def assert_told(stderr: str, root: Path, why: str) -> None:
    assert "Traceback" not in stderr
    assert f"The results of run {RUN_ID} could not be stored: results database " in stderr
    assert re.search(why, stderr), stderr
    assert f"kept in {root / '.vmsdq' / 'artifacts' / 'runs' / RUN_ID}" in stderr
    assert f"vmsdq runs resume {RUN_ID} --project {root}" in stderr


def test_a_full_disk_under_the_results_database_still_shows_the_run(
    tmp_path: Path, disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = disk / "results.db"
    root = project(tmp_path / "p", db)
    break_at_validated(monkeypatch, lambda: fill(disk))
    code, out, err = validate(root, "json")
    assert code == 3
    assert_told(err, root, rf"{db} cannot be written: OperationalError: database or disk is full")
    shown = json.loads(out)
    assert shown["run_id"] == RUN_ID and "could not be stored" in shown["not_stored"]
    rules = {r["rule"]: r for e in shown["entities"] for r in e["rules"]}
    assert rules["a.n.type"]["failed"] == 1 and rules["b.d.type"]["failed"] == 1
    assert shown["scores"]["overall"] is not None  # scored in memory
    assert (root / ".vmsdq" / "artifacts" / "runs" / RUN_ID / "snapshots").is_dir()

    with sqlite3.connect(db) as con:  # the file is whole, and holds the run as it was left
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (disk / "filler").unlink()
    monkeypatch.undo()
    resumed = CliRunner().invoke(main, ["runs", "resume", RUN_ID, "--project", str(root)])
    assert resumed.exit_code == 0, resumed.output  # the run's own verdict: warned
    assert f"Run {RUN_ID} (completed, warned)" in resumed.output
    stored = CliRunner().invoke(main, ["show", RUN_ID, "--project", str(root), "--format", "json"])
    again = json.loads(stored.stdout)
    assert again["status"] == "completed"
    assert again["scores"]["overall"] == shown["scores"]["overall"]
    assert {r["rule"]: r["failed"] for e in again["entities"] for r in e["rules"]} == {
        name: r["failed"] for name, r in rules.items()
    }


def test_a_results_database_locked_elsewhere_still_shows_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "results.db"
    root = project(tmp_path / "p", db)
    monkeypatch.setenv("VMSDQ_SQLITE_BUSY_TIMEOUT", "200")  # ms, instead of 30 s
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    try:
        break_at_validated(monkeypatch, lambda: other.execute("BEGIN EXCLUSIVE"))
        code, out, err = validate(root)
        assert code == 3
        assert_told(err, root, rf"{db} cannot be written: OperationalError: database is locked")
        assert f"Run {RUN_ID} (not stored, warned)" in out
        assert "│ a      │    4 │" in out and "│ b      │    3 │" in out
        other.close()  # the lock is released
        monkeypatch.undo()
        resumed = CliRunner().invoke(main, ["runs", "resume", RUN_ID, "--project", str(root)])
        assert resumed.exit_code == 0, resumed.output
        assert f"Run {RUN_ID} (completed, warned)" in resumed.output
    finally:
        other.close()
        Database.close_all()
