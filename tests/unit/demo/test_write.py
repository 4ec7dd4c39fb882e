"""Demo Parquet files are written in DuckDB-sized row groups so big entities scan in parallel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vmsdq.demo import generate_demo
from vmsdq.demo.write import ROW_GROUP_ROWS, write_parquet


def _groups(path: Path) -> list[int]:
    meta = pq.read_metadata(path)
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def test_write_parquet_uses_122880_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t.parquet"
    write_parquet(pa.table({"n": pa.array(range(300_000))}), path)
    assert ROW_GROUP_ROWS == 122_880
    assert _groups(path) == [122_880, 122_880, 54_240]
    assert pq.read_table(path).column("n").to_pylist()[-1] == 299_999


def test_a_big_demo_entity_has_several_row_groups(tmp_path: Path) -> None:
    manifest = generate_demo(tmp_path, volunteers=50_000, seed=1, write_truth=False,
                             salesforce=False, as_of=datetime(2026, 5, 4, 12))  # fmt: skip
    assert manifest.rows["participation"] == 125_000
    assert _groups(manifest.files["participation"]) == [122_880, 2_120]
    assert _groups(manifest.files["volunteer"]) == [50_000]
