"""Generic defect injection for shorthand rules (required, type, format, allowed, ...).

Each function damages ``k`` untouched rows of a frame so that exactly the named rule fails
for them, and records (rule, rows). What else breaks as a consequence is the oracle's job.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from vmsdq.core.words import FieldType
from vmsdq.demo.frame import Frame
from vmsdq.demo.rules import TruthRule
from vmsdq.spec.models import EntitySpec

BAD_TEXT = {
    FieldType.integer: ["ten", "n/a", "K", "3 yrs"],
    FieldType.number: ["abc", "1.5.0"],
    FieldType.boolean: ["maybe", "unknown"],
    FieldType.date: ["31/12/2020", "2021-13-01", "someday"],
    FieldType.timestamp: ["yesterday", "2021-02-30 10:00:00"],
}
BAD_PHONES = ["555-0123", "(123) 456-7890", "N/A", "+0 816 555 0123", "816-555-01234"]
BAD_POSTAL = ["6410", "ABCDE", "64108-12", "641 08"]
BAD_JSON = ["{mode: virtual}", '{"mode": "virtual"', "mode=virtual", '{"mode": NaN}']
NONCONFORMING_JSON = ['{"mode": "hybrid"}', '["virtual"]', '{"reminders": true}', "null"]


def present(frame: Frame, field: str) -> np.ndarray:
    """Rows whose value is present (not NULL, not blank).

    Clean data has no blank strings; the frame tracks the rows an injection blanked.
    """
    ok = frame.valid(field)
    if field in frame.blank:
        ok &= ~frame.blank[field]
    return ok


def text_of(value: Any) -> Any:
    """A value as the CSV text a VMS export would hold."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def put(frame: Frame, field: str, rows: np.ndarray, values: list[Any]) -> None:
    """Set values, written as text when the column holds text (CSV entities)."""
    if pa.types.is_string(frame.type_of(field)):
        values = [text_of(v) for v in values]
    frame.set(field, rows, values)


def inject_field_rule(frame: Frame, spec: EntitySpec, rule: TruthRule, k: int,
                      targets: dict[str, Frame]) -> None:  # fmt: skip
    field = rule.field
    assert field is not None
    ftype = spec.fields[field].type
    sync_key = field == spec.key or (spec.mirror is not None and field == spec.mirror.match_on)
    if sync_key and rule.kind in ("required", "unique"):
        k = max(1, k // 10)  # an id the sync needs is rarely missing or shared
    if rule.kind == "required":
        rows = frame.take_rows(k, present(frame, field), [field])
        blanks: list[str | None] = [" "] if field == spec.key else [None, "", "  "]
        if ftype is not FieldType.string:
            blanks = [None]
        put(frame, field, rows, [blanks[i % len(blanks)] for i in range(len(rows))])
    elif rule.kind == "type":
        rows = frame.take_rows(k, None, [field])
        bad = BAD_TEXT[ftype]
        frame.set(field, rows, [bad[i % len(bad)] for i in range(len(rows))])
    elif rule.kind == "format":
        rows = frame.take_rows(k, present(frame, field), [field])
        old = frame.get(field, rows).to_pylist()
        put(frame, field, rows, [bad_format(rule.opts, v, i) for i, v in enumerate(old)])
    elif rule.kind == "allowed":
        rows = frame.take_rows(k, present(frame, field), [field])
        put(frame, field, rows, ["Unknown" if i % 2 else "N/A" for i in range(len(rows))])
    elif rule.kind == "range":
        rows = frame.take_rows(k, None, [field])
        put(frame, field, rows, [out_of_range(rule.opts, ftype, i) for i in range(len(rows))])
    elif rule.kind == "length":
        rows = frame.take_rows(k, present(frame, field), [field])
        old = frame.get(field, rows).to_pylist()
        put(frame, field, rows, [bad_length(rule.opts, v) for v in old])
    elif rule.kind == "unique":
        within = list(rule.opts.within)
        duplicate_rows(frame, rule.name, [field, *within], k, by_column=True)
        return
    elif rule.kind == "json":
        rows = frame.take_rows(k, present(frame, field), [field])
        bad = BAD_JSON if rule.opts.schema_ is None else BAD_JSON + NONCONFORMING_JSON
        put(frame, field, rows, [bad[i % len(bad)] for i in range(len(rows))])
    elif rule.kind == "references":
        rows = frame.take_rows(k, None, [field])
        put(frame, field, rows, dangling(rule, targets, len(rows)))
    else:
        raise ValueError(f"no injection for rule kind {rule.kind!r} ({rule.name})")
    frame.record(rule.name, rows)


def duplicate_rows(frame: Frame, rule: str, columns: list[str], k: int,
                   by_column: bool = False) -> None:  # fmt: skip
    """Copy ``columns`` of k rows onto k other rows: every member of each pair fails.

    ``by_column``: take rows whose ``columns`` are untouched (a field rule), else whole rows.
    """
    ok = np.logical_and.reduce([present(frame, c) for c in columns])
    rows = frame.take_rows(2 * k, ok, columns if by_column else None)
    half = len(rows) // 2
    src, dst = rows[:half], rows[half : 2 * half]
    for column in columns:
        frame.set(column, dst, frame.get(column, src))
    frame.record(rule, np.concatenate([src, dst]))


def bad_format(opts: Any, value: str, i: int) -> str:
    fmt = opts.format.value
    if fmt == "regex":
        return str(value[0].lower() + value[1:])
    if fmt == "email":
        variants = [value.replace("@", " at "), value.replace("@", ""), value + ".",
                    "<" + value + ">"]  # fmt: skip
        if opts.strict:
            variants.append(value.replace(".", "..", 1))
        return variants[i % len(variants)]
    if fmt == "phone":
        return BAD_PHONES[i % len(BAD_PHONES)]
    if fmt == "url":
        return [value.replace("https://", ""), value.replace("https://", "https//"), "n/a"][i % 3]
    if fmt == "postal_code":
        return BAD_POSTAL[i % len(BAD_POSTAL)]
    if fmt == "salesforce_id":
        body = value[:15]
        if i % 3 == 0:
            return body + "X"  # 16 characters
        if i % 3 == 1:
            return body[:5] + "-" + body[6:]
        good = checksum(body)
        return body + good[:2] + ("B" if good[2] == "A" else "A")  # wrong case-safe suffix
    raise ValueError(f"no bad value for format {fmt}")


def checksum(body: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = ""
    for chunk in range(3):
        bits = sum(1 << j for j, c in enumerate(body[chunk * 5 : chunk * 5 + 5]) if "A" <= c <= "Z")
        out += alphabet[bits]
    return out


def out_of_range(opts: Any, ftype: FieldType, i: int) -> Any:
    low = i % 2 == 0 and opts.min is not None or opts.max is None
    bound = opts.min if low else opts.max
    if ftype in (FieldType.date, FieldType.timestamp):
        d = date.fromisoformat(str(bound))
        return d + timedelta(days=-1 - i % 30 if low else 1 + i % 30)
    step = 1 + i % 5
    return type(bound)(bound - step if low else bound + step)


def bad_length(opts: Any, value: str) -> str:
    lo: int | None = opts.min
    hi: int | None = opts.max
    if hi is not None and (lo is None or len(value) >= lo):
        return (value + " " + "x" * hi)[: hi + 1 + len(value) % 7]
    return value[: max(0, (lo or 1) - 1)] or "?"


def dangling(rule: TruthRule, targets: dict[str, Frame], n: int) -> list[str]:
    """Ids that look like the target's keys but exist nowhere (or fail its ``where``)."""
    target = targets[rule.opts.entity]
    keys = target.col(target.key)
    sample = target.clean_key
    prefix = sample.rstrip("0123456789")
    width = len(sample) - len(prefix)
    out = [f"{prefix}9{(i * 7919) % 10 ** (width - 1):0{width - 1}d}" for i in range(n)]
    if rule.opts.where:  # half of them point at a row the filter excludes
        inactive = ~target.num("is_active", True).astype(bool) & target.valid("is_active")
        excluded = np.flatnonzero(inactive & ~target.used)
        for i in range(0, min(n, 2 * len(excluded)), 2):
            out[i] = keys[int(excluded[(i // 2) % len(excluded)])].as_py()
    return out
