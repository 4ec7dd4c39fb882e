"""Export the failing rows of one rule of one run as CSV, JSON or Parquet."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pyarrow as pa


def failure_files(project_dir: Path, run_id: str) -> list[Path]:
    from vmsdq.spec.loader import load_project

    project = load_project(project_dir)
    folder = Path(project.root) / project.spec.store.artifacts / "runs" / run_id / "failures"
    if not folder.is_dir():
        raise click.ClickException(f"no failure files for run '{run_id}' (looked in {folder})")
    return sorted(folder.glob("*.parquet"))


def export_failures(project_dir: Path, run_id: str, rule: str, fmt: str, out: Path | None) -> int:
    """Write failing rows (key first, then one column per offending value). Returns the count."""
    import duckdb
    import pyarrow as pa

    files = failure_files(project_dir, run_id)
    con = duckdb.connect()
    rows = (
        con.execute(
            'SELECT key, "values" FROM read_parquet(?, union_by_name=true) '
            "WHERE rule = ? ORDER BY key",
            [[str(f) for f in files], rule],
        ).fetchall()
        if files
        else []
    )
    if not rows:
        known = (
            con.execute(
                "SELECT DISTINCT rule FROM read_parquet(?) ORDER BY rule", [[str(f) for f in files]]
            ).fetchall()
            if files
            else []
        )
        if rule not in {r[0] for r in known}:
            click.echo(f"rule '{rule}' has no failures in run '{run_id}'", err=True)
    records = [{"key": key, **json.loads(values or "{}")} for key, values in rows]
    columns = ["key"] + sorted({c for rec in records for c in rec if c != "key"})
    table = pa.table(
        {c: [None if r.get(c) is None else str(r.get(c)) for r in records] for c in columns}
    )
    _write(table, fmt, out)
    return len(records)


def _write(table: pa.Table, fmt: str, out: Path | None) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        if out is None:
            raise click.ClickException("--format parquet needs --out FILE")
        pq.write_table(table, out)
        return
    if fmt == "json":
        data = (json.dumps(table.to_pylist(), indent=2) + "\n").encode()
    else:
        buf = io.BytesIO()
        pacsv.write_csv(table, buf)
        data = buf.getvalue()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
