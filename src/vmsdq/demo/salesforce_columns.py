"""Column-at-a-time pieces of the demo's Salesforce copy (``salesforce_copy``).

Each function gives, for a whole Arrow column, what the plain-Python definitions give value by
value: the text of a VMS value as Salesforce holds it (``_to_salesforce``), the join key and
served Id of a ``match_on`` value. Where Arrow's own conversion could differ from Python's
(floats, dates, timestamps, picklist labels) the Python function runs, once per distinct
value; the plain-Python path is the definition, these are shortcuts with the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.reconcile import salesforce_ids
from vmsdq.reconcile.reference import text
from vmsdq.reconcile.salesforce_ids import SUFFIX, canonical_id, is_salesforce_id, join_key

BLANK = " \t\r\n"
ID18 = 18
_ID18 = f"^{salesforce_ids.ID18}$"
_ID15 = f"^{salesforce_ids.ID15}$"
_SUFFIX_BYTES = np.frombuffer(SUFFIX.encode("ascii"), dtype=np.uint8)
_BIT = np.array([1 << j for j in range(5)], dtype=np.int64)


def column(table: pa.Table, name: str) -> pa.Array:
    """One column as a single array; all NULL when the table has no such column."""
    if name not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    return table.column(name).combine_chunks()


def python_map(arr: pa.Array, fn: Callable[[Any], str | None], *, distinct: bool) -> pa.Array:
    """``fn`` of every value as a string array (NULL stays NULL unless ``fn`` says otherwise);
    with ``distinct`` ``fn`` runs once per distinct value."""
    if distinct and len(arr) and arr.null_count == 0:
        encoded = arr.dictionary_encode()
        values = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
        return values.take(encoded.indices)
    return pa.array([fn(v) for v in arr.to_pylist()], type=pa.string())


def is_text(arr: pa.Array) -> bool:
    return bool(pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))


def salesforce_text(arr: pa.Array, labels: dict[str, str], fn: Callable[[Any], str | None]
                    ) -> pa.Array:  # fmt: skip
    """``fn`` (``salesforce_copy._to_salesforce``, the per-value definition) over a column.

    Without picklist labels Arrow writes what Python would: text unchanged except empty ->
    NULL, integer digits, ``true`` / ``false``, ISO dates, UTC timestamps with microseconds.
    Floats are printed by Python (Arrow writes 3.0 as "3"), once per distinct bit pattern.
    """
    kind = arr.type
    if labels:
        return python_map(arr, fn, distinct=not pa.types.is_floating(kind))
    if is_text(arr):
        arr = arr.cast(pa.string())
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_date32(kind):
        return arr.cast(pa.string())
    if pa.types.is_timestamp(kind) and kind.unit == "us" and kind.tz is None:
        moments = pc.strftime(arr, format="%Y-%m-%dT%H:%M:%S")  # %S: with the microseconds
        return pc.binary_join_element_wise(moments, pa.scalar("+00:00"), "")
    if pa.types.is_float64(kind):
        return _floats(arr, fn)
    return python_map(arr, fn, distinct=False)


def _floats(arr: pa.Array, fn: Callable[[Any], str | None]) -> pa.Array:
    """``fn`` once per distinct bit pattern (so -0.0 and 0.0 stay apart)."""
    values = arr.fill_null(0.0).to_numpy(zero_copy_only=False)
    bits, where = np.unique(values.view(np.int64), return_inverse=True)
    texts = pa.array([fn(v) for v in bits.view(np.float64).tolist()], type=pa.string())
    out = texts.take(pa.array(where.reshape(-1)))
    if arr.null_count:
        out = pc.if_else(arr.is_null(), pa.scalar(None, pa.string()), out)
    return out


def _chars(arr: pa.Array, width: int) -> np.ndarray:
    """ASCII values of ``width`` characters each as a (rows, width) byte matrix."""
    fixed = arr.cast(pa.binary()).cast(pa.binary(width))
    data = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)
    return data[fixed.offset * width : (fixed.offset + len(fixed)) * width].reshape(-1, width)


def _suffixes(body: np.ndarray) -> np.ndarray:
    """``salesforce_ids.checksum`` of (rows, 15) ASCII letters and digits, as (rows, 3)."""
    upper = (body >= ord("A")) & (body <= ord("Z"))
    out: np.ndarray = _SUFFIX_BYTES[(upper.reshape(-1, 3, 5) * _BIT).sum(axis=2)]
    return out


def _text_of(chars: np.ndarray) -> pa.Array:
    rows, width = chars.shape
    buffer = pa.py_buffer(np.ascontiguousarray(chars).tobytes())
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), rows, [None, buffer])
    return fixed.cast(pa.binary()).cast(pa.string())


def _shaped(arr: pa.Array, pattern: str) -> np.ndarray:
    found = pc.match_substring_regex(arr, pattern).fill_null(False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool).copy()


def _canonical18(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``canonical_id`` of 18-character Ids in any case (the body's case restored from the
    suffix) and whether that is an Id (``is_salesforce_id``: the case fits the suffix)."""
    suffix = chars[:, 15:].copy()
    suffix[(suffix >= ord("a")) & (suffix <= ord("z"))] -= 32
    index = np.where(suffix >= ord("A"), suffix - ord("A"), suffix - ord("0") + 26).astype(int)
    upper = ((index[:, :, None] >> np.arange(5)) & 1).astype(bool).reshape(-1, 15)
    body = chars[:, :15].astype(np.int16)
    lower_letter = (body >= ord("a")) & (body <= ord("z"))
    upper_letter = (body >= ord("A")) & (body <= ord("Z"))
    body = np.where(upper & lower_letter, body - 32, body)
    body = np.where(~upper & upper_letter, body + 32, body).astype(np.uint8)
    valid = (_suffixes(body) == suffix).all(axis=1)
    return np.concatenate([body, suffix], axis=1), valid


def match_keys(arr: pa.Array) -> tuple[list[str | None], list[str | None]]:
    """Per row: the group key of its ``match_on`` value (None: blank, not matched) and the Id
    a real org serves for it (None: it is no Id).

    The value-by-value definition (``join_key``, ``canonical_id``, ``is_salesforce_id`` of its
    text) runs only for values of 15 or 18 characters that are not all ASCII letters and
    digits, and for columns that are not text; the rest is done here for the whole column:
    an 18-character Id in any case (its canonical form, an Id when the case fits the
    suffix), a 15-character Id (with its checksum suffix) -- both join on the upper-cased 18
    characters -- and other text, which joins as it is and is no Id.
    """
    keys: list[str | None] = [None] * len(arr)
    served: list[str | None] = [None] * len(arr)
    left = np.ones(len(arr), dtype=bool)
    if is_text(arr) and len(arr):
        plain = arr.cast(pa.string())
        left = _vector_keys(plain, keys, served)
    rows = np.flatnonzero(left)
    for i, value in zip(rows.tolist(), _values_at(arr, rows), strict=True):
        if value is None or not str(value).strip(BLANK):
            continue
        text_ = str(text(value))
        keys[i] = str(join_key(text_))
        sid = canonical_id(text_)
        served[i] = sid if is_salesforce_id(sid) else None
    return keys, served


def _values_at(arr: pa.Array, rows: np.ndarray) -> list[Any]:
    """The Python values of ``arr`` at ``rows`` (not the whole column: 2.5M strings)."""
    if len(rows) == len(arr):
        return list(arr.to_pylist())
    return list(arr.take(pa.array(rows, type=pa.int64())).to_pylist())


def _vector_keys(plain: pa.Array, keys: list[str | None], served: list[str | None]
                 ) -> np.ndarray:  # fmt: skip
    """Fill ``keys`` and ``served`` where a column-wide rule applies; the rows left over."""
    left = np.ones(len(plain), dtype=bool)
    for pattern, width in ((_ID18, ID18), (_ID15, 15)):
        rows = np.flatnonzero(_shaped(plain, pattern))
        if not len(rows):
            continue
        chars = _chars(plain.take(pa.array(rows)), width)
        if width == ID18:
            chars, valid = _canonical18(chars)
        else:
            chars = np.concatenate([chars, _suffixes(chars)], axis=1)
            valid = np.ones(len(rows), dtype=bool)
        ids = _text_of(chars)
        upper = pc.utf8_upper(ids).to_pylist()
        for i, sid, key, ok in zip(rows.tolist(), ids.to_pylist(), upper, valid.tolist(),
                                   strict=True):  # fmt: skip
            keys[i], served[i] = key, sid if ok else None
        left[rows] = False
    size = np.asarray(pc.utf8_length(plain).fill_null(0).to_numpy(zero_copy_only=False))
    blank = pc.equal(pc.utf8_trim(plain, characters=BLANK), "").fill_null(True)
    other = (size != 15) & (size != ID18) & left
    filled = other & ~np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero(filled)  # not an Id: joins as it is (blank: no key)
    for i, value in zip(rows.tolist(), _values_at(plain, rows), strict=True):
        keys[i] = value
    left[other] = False
    return left


def in_scope(table: pa.Table, names: set[str], test: Callable[[dict[str, Any]], bool]
             ) -> np.ndarray:  # fmt: skip
    """``test(row)`` of every row, where ``test`` reads the columns ``names`` only, as text
    (a mirror filter, ``reference.evaluate``): once per distinct combination of their texts."""
    n = table.num_rows
    present = sorted(c for c in names if c in table.column_names)
    if not present:
        return np.full(n, bool(test({})), dtype=bool)
    columns = [table.column(c).to_pylist() for c in present]
    seen: dict[tuple[str | None, ...], bool] = {}
    out = np.empty(n, dtype=bool)
    for i, combo in enumerate(zip(*columns, strict=True)):
        texts = tuple(text(v) for v in combo)
        found = seen.get(texts)
        if found is None:
            found = seen[texts] = bool(test(dict(zip(present, combo, strict=True))))
        out[i] = found
    return out
