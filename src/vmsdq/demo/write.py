"""Write demo frames: Parquet per entity, the CSV entity with a few malformed lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 122_880  # DuckDB's row group size: a large entity is scanned in parallel


RELEASE_FROM_ROWS = 200_000  # below, a full collection costs more than it gives back


def release_memory(rows: int) -> None:
    """Hand freed memory back to the system after a step over ``rows`` rows: Python's cycles,
    and Arrow's allocator, which otherwise keeps the pages of every dropped column for reuse
    (hundreds of MB at 1M). Small steps skip it: a full collection of a process holding the
    engine and the store costs ~0.1 s, which at 5,000 volunteers was most of a demo day."""
    if rows < RELEASE_FROM_ROWS:
        return
    import gc

    gc.collect()
    pa.default_memory_pool().release_unused()


def write_parquet(table: pa.Table, path: Path) -> None:
    """Snappy Parquet in row groups of ``ROW_GROUP_ROWS`` (pyarrow's default is 1,048,576)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy", row_group_size=ROW_GROUP_ROWS)


def as_text(arr: pa.Array) -> pa.Array:
    """A typed column as the text a VMS CSV export holds."""
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_timestamp(arr.type):
        return pc.strftime(arr, format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_boolean(arr.type):
        return pc.if_else(arr, "true", "false")
    return arr.cast(pa.string())


def write_csv(columns: dict[str, pa.Array], malformed: np.ndarray, path: Path) -> None:
    """CSV with a header; rows in ``malformed`` become broken lines (line = row + 2).

    Three kinds rotate: a missing column, an extra column, a misplaced quote.
    """
    names = list(columns)
    cells = [pc.fill_null(columns[n], "") for n in names]
    lines = pc.binary_join_element_wise(*cells, ",")
    if len(malformed):
        bad = []
        for i, row in enumerate(np.sort(malformed)):
            values = [c[int(row)].as_py() for c in cells]
            if i % 3 == 0:
                bad.append(",".join(values[:-1]))
            elif i % 3 == 1:
                bad.append(",".join([*values, "extra"]))
            else:
                values[2] = f'"{values[2]}"x'
                bad.append(",".join(values))
        mask = np.zeros(len(lines), dtype=bool)
        mask[malformed] = True
        lines = pc.replace_with_mask(lines, pa.array(mask), pa.array(bad, type=pa.string()))
    offsets = pa.array([0, len(lines)], type=pa.int32())
    body = pc.binary_join(pa.ListArray.from_arrays(offsets, lines), "\n")[0].as_py()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(names) + "\n")
        fh.write(body)
        fh.write("\n")
