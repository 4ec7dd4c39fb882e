"""One entity's columns while the generator builds and damages them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Frame:
    """Columns of one entity plus the bookkeeping of injected defects.

    A rule that reads several columns (written rules, malformed lines) takes whole rows that
    carry no other deliberate defect; a field rule takes rows whose field is untouched, so one
    row may carry defects in several fields but never two in one field (a field rule reads
    only its field). Side effects on other rows and entities are left to the oracle.
    Edits are buffered per column and applied in one pass when the column is read (``col``),
    since rewriting a multi-million-row string column costs a fraction of a second.
    """

    entity: str
    columns: dict[str, pa.Array]  # may lag behind pending edits: read through ``col``
    rng: np.random.Generator
    used: np.ndarray = field(init=False)  # rows carrying any deliberate defect
    reserved: np.ndarray = field(init=False)  # rows taken whole: no other defect may land
    touched: dict[str, np.ndarray] = field(default_factory=dict)  # column -> damaged rows
    injected: dict[str, list[np.ndarray]] = field(default_factory=lambda: defaultdict(list))
    table_defects: set[str] = field(default_factory=set)
    pending: dict[str, list[tuple[np.ndarray, pa.Array]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    blank: dict[str, np.ndarray] = field(default_factory=dict)  # rows set to blank text
    clean_key: str = field(init=False)  # a key as generated, before any defect

    def __post_init__(self) -> None:
        self.used = np.zeros(self.n, dtype=bool)
        self.reserved = np.zeros(self.n, dtype=bool)
        self.clean_key = str(self.columns[self.key][0].as_py()) if self.n else ""

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))

    @property
    def key(self) -> str:
        return next(iter(self.columns))

    def col(self, name: str) -> pa.Array:
        """Column ``name`` with every edit applied."""
        edits = self.pending.pop(name, None)
        if edits:
            rows = np.concatenate([r for r, _ in edits])
            values = pa.concat_arrays([v for _, v in edits])
            last = len(rows) - 1 - np.unique(rows[::-1], return_index=True)[1]  # later edits win
            rows, values = rows[last], values.take(pa.array(last))
            order = np.argsort(rows, kind="stable")
            mask = np.zeros(self.n, dtype=bool)
            mask[rows] = True
            arr = self.columns[name]
            self.columns[name] = pc.replace_with_mask(
                arr, pa.array(mask), values.take(pa.array(order))
            )
        return self.columns[name]

    def type_of(self, name: str) -> pa.DataType:
        return self.columns[name].type

    def num(self, name: str, fill: Any = 0) -> np.ndarray:
        arr = self.col(name)
        if pa.types.is_date32(arr.type):
            arr = arr.cast(pa.int32()).cast(pa.int64())
        elif pa.types.is_timestamp(arr.type):
            arr = arr.cast(pa.int64())
        elif pa.types.is_string(arr.type):  # text of a CSV entity: numbers where they parse
            ok = pc.fill_null(pc.match_substring_regex(arr, r"^-?[0-9]+$"), False)
            arr = pc.if_else(ok, arr, None).cast(pa.int64())
        return np.asarray(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False))

    def valid(self, name: str) -> np.ndarray:
        ok = np.asarray(self.columns[name].is_valid().to_numpy(zero_copy_only=False))
        for rows, values in self.pending.get(name, []):
            ok[rows] = np.asarray(values.is_valid().to_numpy(zero_copy_only=False))
        return ok

    def take_rows(
        self, k: int, where: np.ndarray | None = None, columns: Sequence[str] | None = None
    ) -> np.ndarray:
        """Up to ``k`` row indices (sorted) where ``where`` holds, marked as damaged.

        Without ``columns``: rows with no defect at all, reserved whole. With ``columns``: rows
        not reserved whose ``columns`` are untouched; only those columns are marked.
        """
        if columns is None:
            ok = ~self.used
        else:
            ok = ~self.reserved
            for name in columns:
                ok &= ~self.touched.get(name, np.zeros(self.n, dtype=bool))
        candidates = np.flatnonzero(ok if where is None else ok & where)
        if k <= 0 or len(candidates) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = np.sort(self.rng.choice(candidates, size=min(k, len(candidates)), replace=False))
        self.used[rows] = True
        if columns is None:
            self.reserved[rows] = True
        for name in columns or ():
            self.touched.setdefault(name, np.zeros(self.n, dtype=bool))[rows] = True
        return rows

    def set(self, name: str, rows: np.ndarray, values: Any) -> None:
        """Overwrite column ``name`` at ``rows`` with ``values`` (array-like or scalar)."""
        if len(rows) == 0:
            return
        kind = self.type_of(name)
        if isinstance(values, pa.Array | pa.ChunkedArray):
            vals = values
        elif np.isscalar(values) or values is None:
            vals = pa.array([values] * len(rows), type=kind)
        else:
            vals = pa.array(values, type=kind)
        if isinstance(vals, pa.ChunkedArray):
            vals = vals.combine_chunks()
        vals = vals.cast(kind)
        rows = np.asarray(rows, dtype=np.int64)
        self.pending[name].append((rows, vals))
        if pa.types.is_string(kind):
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(vals), ""), False)
            mask = self.blank.setdefault(name, np.zeros(self.n, dtype=bool))
            mask[rows] = np.asarray(blank.to_numpy(zero_copy_only=False))

    def get(self, name: str, rows: np.ndarray) -> pa.Array:
        return self.col(name).take(pa.array(rows, type=pa.int64()))

    def record(self, rule: str, rows: np.ndarray) -> None:
        if len(rows):
            self.injected[rule].append(np.asarray(rows, dtype=np.int64))

    def table(self) -> pa.Table:
        return pa.table({name: self.col(name) for name in list(self.columns)})
