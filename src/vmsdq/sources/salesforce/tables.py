"""Table helpers of the incremental read: merge by key, de-duplicate, watermark."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa


def deduplicated(table: pa.Table, key: str) -> pa.Table:
    """One row per key, the last one read (a record may come twice across pages)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0 or pc.count_distinct(table.column(key)).as_py() == table.num_rows:
        return table
    indexed = table.select([key]).append_column("__row", pa.array(range(table.num_rows)))
    last = indexed.group_by(key, use_threads=False).aggregate([("__row", "max")])
    keep = last.column("__row_max").to_numpy()
    keep.sort()  # keep the order in which records were read
    return table.take(pa.array(keep))


def merge(previous: pa.Table, changed: pa.Table, key: str) -> pa.Table:
    """``previous`` with every record in ``changed`` replaced or added (by key)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if changed.num_rows == 0:
        return previous
    kept = previous.filter(pc.invert(pc.is_in(previous.column(key), value_set=changed.column(key))))
    return pa.concat_tables([kept, changed.cast(kept.schema)], promote_options="permissive")


def watermark(table: pa.Table, modstamp: str) -> str | None:
    """The newest ``modstamp`` (ISO, UTC, milliseconds), None without rows or timestamps."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(modstamp)
    if table.num_rows == 0 or not pa.types.is_timestamp(column.type):
        return None
    newest = pc.max(column).as_py()
    return newest.astimezone(UTC).isoformat(timespec="milliseconds") if newest else None


def deleted_count(table: pa.Table) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc

    if "IsDeleted" not in table.column_names or not pa.types.is_boolean(
        table.column("IsDeleted").type
    ):
        return 0
    return int(pc.sum(pc.cast(table.column("IsDeleted"), "int64")).as_py() or 0)
