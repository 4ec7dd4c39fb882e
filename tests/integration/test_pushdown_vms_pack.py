"""The whole VMS pack on PostgreSQL and MariaDB: pushdown gives what reading the rows gives.

The demo data (every defect kind of the generator) is loaded into the database, then the
pack is validated twice through the runner: rows copied into DuckDB, and checks pushed
down where the capabilities allow. Every rule's counts, observed value and outcome, and
every failure row (rule, key, values), must be equal.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from vmsdq.core.results import RunResult
from vmsdq.demo import generate_demo
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now

pytestmark = pytest.mark.integration

AS_OF = datetime(2026, 3, 14, 9, 30)
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vms_pack")
    generate_demo(root, volunteers=300, seed=7, as_of=AS_OF)
    return root


@pytest.fixture(params=["postgres", "mariadb"])
def database(request: pytest.FixtureRequest, demo: Path) -> Iterator[tuple[str, str]]:
    url = str(request.getfixturevalue(f"{request.param}_url"))
    with loaded(url, demo / "data") as schema:
        yield url, schema


@contextmanager
def loaded(url: str, data: Path) -> Iterator[str]:
    """Every demo data file as a table in a new schema (CSV columns as text), dropped after."""
    schema = f"vms_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    meta = sa.MetaData(schema=schema)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        for path in sorted(data.glob("*.*")):
            _load(engine, meta, path)
        yield schema
    finally:
        meta.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema))
        engine.dispose()


def _load(engine: sa.Engine, meta: sa.MetaData, path: Path) -> None:
    table = _read(path)
    columns = [sa.Column(f.name, _column_type(f.type)) for f in table.schema]
    target = sa.Table(path.stem, meta, *columns)
    meta.create_all(engine, tables=[target])
    rows = table.to_pylist()
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(target.insert(), rows[start : start + 2000])


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    skip = pcsv.ParseOptions(invalid_row_handler=lambda _row: "skip")  # the quarantined lines
    names = pcsv.read_csv(path, parse_options=skip).column_names
    as_text = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    return pcsv.read_csv(path, parse_options=skip, convert_options=as_text)


def _column_type(arrow: pa.DataType) -> Any:
    if pa.types.is_integer(arrow):
        return sa.BigInteger()
    if pa.types.is_floating(arrow):
        return sa.Float(53)
    if pa.types.is_date(arrow):
        return sa.Date()
    if pa.types.is_timestamp(arrow):
        return TIMESTAMP
    if pa.types.is_boolean(arrow):
        return sa.Boolean()
    return sa.Text()


def project(demo: Path, root: Path, url: str, schema: str, *, pushdown: bool) -> Path:
    """The demo project reading its VMS side from the database (no reconciliation)."""
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns(".vmsdq"))
    spec = (root / "vmsdq.yaml").read_text()
    sql = f"{{type: sql, url: '{url}', schema: {schema}, pushdown: {str(pushdown).lower()}}}"
    spec = spec.replace("  vms: {type: files, path: data}", f"  vms: {sql}")
    (root / "vmsdq.yaml").write_text(spec.replace("reconcile: {vms: salesforce}\n", ""))
    return root


def outcomes(run: RunResult) -> dict[str, tuple[Any, ...]]:
    return {
        r.rule: (r.evaluated, r.failed, r.observed, r.outcome, r.message)
        for e in run.entities
        for r in e.rules
    }


def failures(run: RunResult, root: Path) -> list[tuple[str, str, str]]:
    """Every failure row; values as the JSON text the one writer wrote."""
    folder = root / ".vmsdq" / "artifacts" / "runs" / run.run_id / "failures"
    rows = [r for f in folder.glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    return sorted((r["rule"], r["key"], r["values"]) for r in rows)


def test_the_pack_pushed_down_matches_the_pack_read(
    demo: Path, database: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = database
    read_root = project(demo, tmp_path / "read", url, schema, pushdown=False)
    pushed_root = project(demo, tmp_path / "pushed", url, schema, pushdown=True)
    read = run_now(scratch_context(load(read_root)), now=AS_OF)
    pushed = run_now(scratch_context(load(pushed_root)), now=AS_OF)

    assert all(e.status == "ok" for e in read.entities)
    assert outcomes(pushed) == outcomes(read)
    assert failures(pushed, pushed_root) == failures(read, read_root)
    assert len(outcomes(read)) > 200 and len(failures(read, read_root)) > 1000
    pushed_counts = {e.entity: e.message for e in pushed.entities}
    assert all("checks ran in the database" in m for m in pushed_counts.values())
    if url.startswith("postgresql"):  # all but strict email, transitions, text-typed CSV
        whole = [e for e, m in pushed_counts.items() if m.split(" of ")[0] == m.split()[2]]
        assert {"district", "organization", "school", "student"} <= set(whole)
        # participation's monotonic and drift rules stay in DuckDB (docs/engine.md): all
        # its other checks ran in the database
        ran, of = pushed_counts["participation"].split()[0], pushed_counts["participation"]
        assert int(of.split()[2]) - int(ran) == 2, of
