"""A project on PostgreSQL: checks run in the database, results equal reading the rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from vmsdq.core.results import RunResult
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now

pytestmark = pytest.mark.integration

ROWS = [
    (1, "a@x.org", "Active", 10.5),
    (2, "a@x.org", "Active", -1.0),
    (3, None, "Paused", 5.0),
    (4, "not-an-email", "Inactive", 20000.0),
    (5, "e@x.org", None, None),
]


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


def _project(root: Path, url: str, table: str, pushdown: bool) -> Path:
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
  email: {{required: true, unique: true, format: email}}
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


def _keys(run: RunResult, root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    folder = root / ".vmsdq" / "artifacts" / "runs" / run.run_id / "failures"
    for f in folder.glob("*.parquet"):
        for row in pq.read_table(f).to_pylist():
            found.setdefault(row["rule"], set()).add(row["key"])
    return found


def test_pushdown_gives_the_same_results_as_reading_rows(
    postgres_url: str, table: str, tmp_path: Path
) -> None:
    pushed_root = _project(tmp_path / "pushed", postgres_url, table, pushdown=True)
    read_root = _project(tmp_path / "read", postgres_url, table, pushdown=False)

    pushed = run_now(scratch_context(load(pushed_root)))
    read = run_now(scratch_context(load(read_root)))

    assert _counts(pushed) == _counts(read)
    assert _keys(pushed, pushed_root) == _keys(read, read_root)
    assert _keys(read, read_root)["volunteer.email.unique"] == {"1", "2"}
    [volunteer] = pushed.entities
    assert volunteer.rows == len(ROWS)
    assert "checks ran in the database" in volunteer.message
    assert "checks ran in the database" not in read.entities[0].message
