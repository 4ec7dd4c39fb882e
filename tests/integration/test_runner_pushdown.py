"""A project on PostgreSQL: checks run in the database, results equal reading the rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from vmsdq.core.results import RunResult
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now
from vmsdq.sources.sql import SqlSource

pytestmark = pytest.mark.integration

ROWS = [
    (1, "a@x.org", "Active", 10.5),
    (2, "a@x.org", "Active", -1.0),
    (3, None, "Paused", 5.0),
    (4, "not-an-email", "Inactive", 20000.0),
    (5, "e@x.org", None, None),
    (6, "f@x.org", "Active", 3.0),
]
STRICT_EMAIL = "{format: email, strict: true}"  # Python validators: run from the rows


@pytest.fixture
def table(postgres_url: str) -> Iterator[str]:
    name = f"lead_push_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"CREATE TABLE {name} (id INTEGER, email TEXT, status TEXT, hours FLOAT)")
        )
        conn.execute(
            sa.text(f"INSERT INTO {name} VALUES (:i, :e, :s, :h)"),
            [dict(zip("iesh", row, strict=True)) for row in ROWS],
        )
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {name}"))
    engine.dispose()


def _project(root: Path, url: str, table: str, pushdown: bool, email: str = STRICT_EMAIL) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "vmsdq.yaml").write_text(
        f"sources:\n  vms: {{type: sql, url: '{url}', pushdown: {str(pushdown).lower()}}}\n"
        "default_source: vms\n"
    )
    (root / "entities" / "volunteer.yaml").write_text(
        f"""entity: volunteer
key: id
sources: {{vms: {{table: {table}}}}}
fields:
  id: {{type: integer, required: true, unique: true}}
  email: {{required: true, unique: true, format: {email}}}
  status: {{required: true, allowed: [Active, Inactive]}}
  hours: {{type: number, min: 0, max: 10000}}
rules:
  - {{name: active_has_hours, type: expression, when: "status = 'Active'", check: "hours > 0"}}
  - {{name: has_rows, type: row_count, min: 1}}
"""
    )
    return root


def _counts(run: RunResult) -> dict[str, tuple[int, int]]:
    return {r.rule: (r.evaluated, r.failed) for e in run.entities for r in e.rules}


def _failures(run: RunResult, root: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """Every failure file row of the run (what ``vmsdq failures`` exports)."""
    folder = root / ".vmsdq" / "artifacts" / "runs" / run.run_id / "failures"
    rows = [row for f in folder.glob("*.parquet") for row in pq.read_table(f).to_pylist()]
    return sorted((r["rule"], r["key"], json.loads(r["values"])) for r in rows)


def _keys(run: RunResult, root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule, key, _ in _failures(run, root):
        found.setdefault(rule, set()).add(key)
    return found


def test_pushdown_gives_the_same_results_as_reading_rows(
    postgres_url: str, table: str, tmp_path: Path
) -> None:
    pushed_root = _project(tmp_path / "pushed", postgres_url, table, pushdown=True)
    read_root = _project(tmp_path / "read", postgres_url, table, pushdown=False)

    pushed = run_now(scratch_context(load(pushed_root)))
    read = run_now(scratch_context(load(read_root)))

    assert _counts(pushed) == _counts(read)
    assert _failures(pushed, pushed_root) == _failures(read, read_root)
    assert _keys(read, read_root)["volunteer.email.unique"] == {"1", "2"}
    assert ("volunteer.hours.range", "4", {"hours": "20000.0"}) in _failures(read, read_root)
    [volunteer] = pushed.entities
    assert volunteer.rows == len(ROWS)
    checks = len(read.entities[0].rules)
    assert volunteer.message == f"{checks - 1} of {checks} checks ran in the database"
    assert "checks ran in the database" not in read.entities[0].message


def test_an_entity_pushed_whole_reads_no_rows_out_of_the_database(
    postgres_url: str, table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every check of the entity runs in PostgreSQL: the source never reads it, and the
    database sends back one row of counts, one of table metrics and the flagged rows only."""
    read_root = _project(tmp_path / "read", postgres_url, table, pushdown=False, email="email")
    read = run_now(scratch_context(load(read_root)))
    pushed_root = _project(tmp_path / "pushed", postgres_url, table, pushdown=True, email="email")

    def no_read(self: SqlSource, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"{self} read rows out of the database")

    monkeypatch.setattr(SqlSource, "read", no_read)
    returned: list[tuple[str, int]] = []

    def count(conn: Any, cursor: Any, statement: str, *args: object) -> None:
        if table in statement:
            returned.append((statement, cursor.rowcount))

    sa.event.listen(sa.Engine, "after_cursor_execute", count)
    try:
        pushed = run_now(scratch_context(load(pushed_root)))
    finally:
        sa.event.remove(sa.Engine, "after_cursor_execute", count)

    [volunteer] = pushed.entities
    assert volunteer.status == "ok" and volunteer.rows == len(ROWS)
    checks = len(read.entities[0].rules)
    assert volunteer.message == f"{checks} of {checks} checks ran in the database"
    assert _counts(pushed) == _counts(read)
    assert _failures(pushed, pushed_root) == _failures(read, read_root)
    # counts, table metrics (one row each), then the flagged rows (a server-side cursor)
    assert [rows for _, rows in returned][:2] == [1, 1] and len(returned) == 3
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        sent_back = conn.exec_driver_sql(returned[2][0]).all()
    engine.dispose()
    assert len(sent_back) == len({key for _, key, _ in _failures(read, read_root)}) < len(ROWS)
    assert not (pushed_root / ".vmsdq" / "artifacts" / "sources").exists()
