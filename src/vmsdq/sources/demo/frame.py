"""One entity's columns while the generator builds and damages them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Frame:
    """Columns of one entity plus the bookkeeping of injected defects.

    Each injected row is taken from a pool of untouched rows, so one row carries at most one
    deliberate defect (side effects on other rows and entities are left to the oracle).
    """

    entity: str
    columns: dict[str, pa.Array]
    rng: np.random.Generator
    used: np.ndarray = field(init=False)
    injected: dict[str, list[np.ndarray]] = field(default_factory=lambda: defaultdict(list))
    table_defects: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.used = np.zeros(self.n, dtype=bool)

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))

    def num(self, name: str, fill: Any = 0) -> np.ndarray:
        arr = self.columns[name]
        if pa.types.is_date32(arr.type):
            arr = arr.cast(pa.int32()).cast(pa.int64())
        elif pa.types.is_timestamp(arr.type):
            arr = arr.cast(pa.int64())
        elif pa.types.is_string(arr.type):  # text of a CSV entity: numbers where they parse
            ok = pc.fill_null(pc.match_substring_regex(arr, r"^-?[0-9]+$"), False)
            arr = pc.if_else(ok, arr, None).cast(pa.int64())
        return np.asarray(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False))

    def valid(self, name: str) -> np.ndarray:
        return np.asarray(self.columns[name].is_valid().to_numpy(zero_copy_only=False))

    def take_rows(self, k: int, where: np.ndarray | None = None) -> np.ndarray:
        """Up to ``k`` unused row indices (sorted) where ``where`` holds; marks them used."""
        ok = ~self.used if where is None else (~self.used & where)
        candidates = np.flatnonzero(ok)
        if k <= 0 or len(candidates) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = np.sort(self.rng.choice(candidates, size=min(k, len(candidates)), replace=False))
        self.used[rows] = True
        return rows

    def set(self, name: str, rows: np.ndarray, values: Any) -> None:
        """Overwrite column ``name`` at ``rows`` with ``values`` (array-like or scalar)."""
        if len(rows) == 0:
            return
        arr = self.columns[name]
        if isinstance(values, pa.Array | pa.ChunkedArray):
            vals = values
        elif np.isscalar(values) or values is None:
            vals = pa.array([values] * len(rows), type=arr.type)
        else:
            vals = pa.array(values, type=arr.type)
        order = np.argsort(rows, kind="stable")
        mask = np.zeros(self.n, dtype=bool)
        mask[rows] = True
        vals = vals.cast(arr.type).take(pa.array(order))
        self.columns[name] = pc.replace_with_mask(arr, pa.array(mask), vals)

    def get(self, name: str, rows: np.ndarray) -> pa.Array:
        return self.columns[name].take(pa.array(rows, type=pa.int64()))

    def record(self, rule: str, rows: np.ndarray) -> None:
        if len(rows):
            self.injected[rule].append(np.asarray(rows, dtype=np.int64))

    def table(self) -> pa.Table:
        return pa.table(self.columns)
