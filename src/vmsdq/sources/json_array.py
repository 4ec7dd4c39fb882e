"""A JSON array with broken elements: keep the elements that parse, quarantine the others.

Used only when DuckDB refuses the array as a whole. The elements are found by their
brackets (outside strings), so one malformed element costs that element alone; each kept
element becomes one line of a JSON-lines file that DuckDB then reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from vmsdq.core.snapshots import RejectedRecord


def split_json_array(
    entity: str, source: IO[bytes], shown: str, clean: Path
) -> tuple[list[RejectedRecord], int]:
    """Copy the elements that are JSON objects to ``clean``; return the others and the kept
    count. A text that is not an array at all is one rejected record at line 1."""
    data = source.read()
    rejects: list[RejectedRecord] = []
    kept = 0
    with clean.open("wb") as out:
        for line, raw, unclosed in _elements(data):
            error = "the array is not closed (missing ']' or '}')" if unclosed else None
            error = error or object_error(raw)
            if error is None:
                out.write(b" ".join(raw.splitlines()) + b"\n")
                kept += 1
            else:
                text = raw.decode("utf-8", errors="replace")
                rejects.append(RejectedRecord(entity, shown, line, error, text[:10_000]))
    return rejects, kept


def _elements(data: bytes) -> list[tuple[int, bytes, bool]]:
    """(1-based line of its first byte, bytes) of each top-level element of the array."""
    start = data.find(b"[")
    found: list[tuple[int, bytes, bool]] = []
    depth, in_string, escaped = 0, False, False
    begin = start + 1
    closed = False
    for i in range(start + 1, len(data)):
        c = data[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:
                in_string = False
            continue
        if c == 0x22:
            in_string = True
        elif c in (0x7B, 0x5B):  # { [
            depth += 1
        elif c in (0x7D, 0x5D) and depth > 0:  # } ]
            depth -= 1
        elif c == 0x5D or (c == 0x2C and depth == 0):  # the array's ] or a top-level ,
            _add(found, data, begin, i)
            begin = i + 1
            if c == 0x5D:
                closed = True
                break
    if not closed:
        _add(found, data, begin, len(data), unclosed=True)
    return found


def _add(
    found: list[tuple[int, bytes, bool]], data: bytes, begin: int, end: int, unclosed: bool = False
) -> None:
    raw = data[begin:end]
    stripped = raw.strip()
    if not stripped:
        return
    offset = begin + (len(raw) - len(raw.lstrip()))
    line = data.count(b"\n", 0, offset) + 1
    found.append((line, stripped, unclosed))


def object_error(raw: bytes) -> str | None:
    """Why ``raw`` is not one JSON object (a JSON line or an array element), or None."""
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        return "invalid UTF-8 encoding"
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    return None if isinstance(value, dict) else "not a JSON object"
