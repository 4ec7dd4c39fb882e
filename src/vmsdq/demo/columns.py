"""Vectorised column builders: ids, Salesforce ids, picks, phones, timestamps.

Everything here works on whole columns (numpy / pyarrow compute); no Python object per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BASE62 = np.frombuffer(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
)
SUFFIX32 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)
US_PER_MIN = 60_000_000
US_PER_DAY = 86_400_000_000


def padded_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` (e.g. V00000042)."""
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def sf_checksum(body: np.ndarray) -> np.ndarray:
    """Case-safe suffix (3 bytes per row) for a (n, 15) uint8 matrix of id characters."""
    upper = (body >= ord("A")) & (body <= ord("Z"))
    chunks = upper.reshape(len(body), 3, 5).astype(np.uint8)
    bits = sum(chunks[:, :, j] << j for j in range(5))
    suffix: np.ndarray = SUFFIX32[bits]
    return suffix


def salesforce_ids(prefix: str, numbers: np.ndarray, *, short_every: int = 0) -> pa.Array:
    """Unique 18-character Salesforce ids (key ``prefix`` + base62 of ``numbers``).

    With ``short_every`` = k, every k-th id is the 15-character form (no checksum suffix).
    """
    n = len(numbers)
    body = np.empty((n, 15), dtype=np.uint8)
    body[:, :3] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    body[:, 3:5] = np.frombuffer(b"5e", dtype=np.uint8)
    rest = numbers.astype(np.int64) * 7919 + 104729  # spread, still unique
    for pos in range(14, 4, -1):
        body[:, pos] = BASE62[rest % 62]
        rest //= 62
    full = np.concatenate([body, sf_checksum(body)], axis=1)
    ids = _fixed_to_str(full, 18)
    if short_every:
        mask = np.zeros(n, dtype=bool)
        mask[::short_every] = True
        ids = pc.if_else(pa.array(mask), pc.utf8_slice_codeunits(ids, 0, 15), ids)
    return ids


def _fixed_to_str(matrix: np.ndarray, width: int) -> pa.Array:
    buf = pa.py_buffer(np.ascontiguousarray(matrix).tobytes())
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(matrix), [None, buf])
    return fixed.cast(pa.binary()).cast(pa.string())


def pick(
    rng: np.random.Generator, values: Sequence[Any], n: int, p: Sequence[float] | None = None
) -> pa.Array:
    idx = rng.choice(len(values), size=n, p=None if p is None else np.asarray(p) / sum(p))
    return pa.array(list(values)).take(pa.array(idx))


def null_out(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """``arr`` with NULL where ``mask`` is true."""
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), arr.type), arr)


def join(*parts: pa.Array | str) -> pa.Array:
    items = [pa.scalar(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*items, "")


def phones(rng: np.random.Generator, n: int) -> pa.Array:
    """Valid North-American numbers in the three spellings people type."""
    area = padded_ids("", rng.choice([816, 913, 660, 785, 314, 417, 573, 620], n), 3)
    exch = padded_ids("", rng.integers(200, 1000, n), 3)
    line = padded_ids("", rng.integers(0, 10000, n), 4)
    style = rng.integers(0, 3, n)
    a = join("(", area, ") ", exch, "-", line)
    b = join(area, "-", exch, "-", line)
    c = join("+1", area, exch, line)
    return pc.case_when(pc.make_struct(pa.array(style == 0), pa.array(style == 1)), a, b, c)


def postal_codes(rng: np.random.Generator, n: int) -> pa.Array:
    five = padded_ids("", rng.integers(64001, 67999, n), 5)
    plus4 = join(five, "-", padded_ids("", rng.integers(1000, 10000, n), 4))
    return pc.if_else(pa.array(rng.random(n) < 0.15), plus4, five)


def timestamps(us: np.ndarray) -> pa.Array:
    """Naive UTC timestamps (microseconds) as an Arrow column."""
    return pa.array(us.astype("datetime64[us]"))


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"))


def to_numpy(arr: pa.Array, fill: Any = 0) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False))
