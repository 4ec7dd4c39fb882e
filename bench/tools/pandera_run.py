"""The benchmark subset as Pandera (polars backend) schemas, one per table, validated lazily.

Usage (in bench/.work/venv-pandera): python pandera_run.py DATA_DIR -> JSON {check: failed}.
Built-in checks where Pandera has them (isin, in_range, str_matches, str_length, unique,
dtype); dataframe-level custom checks (polars expressions) for cross-field, conditional,
reference (is_in the target keys), aggregate (a join computed before validation: Pandera
has no aggregate check), row count and freshness.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import pandera.polars as pa  # noqa: E402
import polars as pl  # noqa: E402
from checks import CHECKS, TABLES, Check, columns_of  # noqa: E402

NOW = datetime.utcnow()


def _named(check: Check) -> dict[str, Any]:
    return {"name": check["name"], "error": check["name"]}


def column_check(check: Check, frames: dict[str, pl.DataFrame]) -> Any:
    kind = check["kind"]
    if kind == "format":
        return pa.Check.str_matches(check["pattern"], **_named(check))
    if kind == "allowed":
        return pa.Check.isin(check["values"], **_named(check))
    if kind == "range":
        low, high = check["min"], check["max"]
        if check["type"] == "date":
            low, high = (datetime.fromisoformat(v).date() for v in (low, high))
        return pa.Check.in_range(low, high, **_named(check))
    if kind == "length":
        return pa.Check.str_length(max_value=check["max"], **_named(check))
    if kind == "reference":
        keys = frames[check["target"]][check["target_column"]].drop_nulls().unique()
        return pa.Check(
            lambda d, k=keys: d.lazyframe.select(pl.col(d.key).is_in(k)), **_named(check)
        )
    raise ValueError(kind)


def frame_check(check: Check) -> Any:
    kind = check["kind"]
    if kind == "compare":
        ops = {">=": "__ge__", ">": "__gt__"}
        expr = getattr(pl.col(check["left"]), ops[check["op"]])(pl.col(check["right"]))
    elif kind == "conditional":
        expr = ~(pl.col(check["when"][0]) == check["when"][1]) | _then(check["then"])
    elif kind == "aggregate":
        expr = pl.col(check["field"]) == pl.col("_related_count")
    elif kind == "row_count":
        return pa.Check(lambda d: d.lazyframe.select(pl.len() >= check["min"]), **_named(check))
    elif kind == "freshness":
        limit = NOW - timedelta(seconds=check["max_age_s"])
        return pa.Check(
            lambda d: d.lazyframe.select(pl.col(check["column"]).max() >= limit), **_named(check)
        )
    else:
        raise ValueError(kind)
    return pa.Check(lambda d, e=expr: d.lazyframe.select(e.fill_null(True)), **_named(check))


def _then(then: dict[str, Any]) -> pl.Expr:
    if "equals" in then:
        col, value = then["equals"]
        return pl.col(col).fill_null("") == value
    if "present" in then:
        return pl.col(then["present"]).fill_null("").str.strip_chars().str.len_chars() > 0
    return pl.col(then["positive"]).fill_null(0) > 0


def build_schema(table: str, frames: dict[str, pl.DataFrame]) -> pa.DataFrameSchema:
    cols: dict[str, dict[str, Any]] = {c: {"checks": []} for c in columns_of(table)}
    frame_checks, unique_sets = [], []
    for check in (c for c in CHECKS if c["table"] == table):
        kind = check["kind"]
        if kind == "required":
            cols[check["column"]]["nullable"] = False
        elif kind == "unique" and len(check["columns"]) == 1 and not check.get("within"):
            cols[check["columns"][0]]["unique"] = True
        elif kind == "unique":
            unique_sets.append(check.get("within", []) + check["columns"])
        elif kind == "type":
            cols[check["column"]]["dtype"] = pl.Float64
        elif kind in ("format", "allowed", "range", "length", "reference"):
            cols[check["column"]]["checks"].append(column_check(check, frames))
        else:
            frame_checks.append(frame_check(check))
    columns = {
        name: pa.Column(
            spec.get("dtype"),
            checks=spec["checks"],
            nullable=spec.get("nullable", True),
            unique=spec.get("unique", False),
        )
        for name, spec in cols.items()
        if name in frames[table].columns
    }
    unique = unique_sets[0] if unique_sets else None
    return pa.DataFrameSchema(columns, checks=frame_checks, unique=unique, strict=False)


def load(data_dir: str) -> dict[str, pl.DataFrame]:
    frames = {
        t: pl.read_parquet(Path(data_dir, f"{t}.parquet"), columns=columns_of(t)) for t in TABLES
    }
    agg = next(c for c in CHECKS if c["kind"] == "aggregate")
    col, value = agg["related_exclude"]
    counts = (
        frames[agg["related"]]
        .filter(pl.col(col) != value)
        .group_by(agg["foreign_key"])
        .agg(pl.len().alias("_related_count"))
    )
    frames[agg["table"]] = (
        frames[agg["table"]]
        .join(counts, on=agg["key"], how="left")
        .with_columns(pl.col("_related_count").fill_null(0))
    )
    return frames


def failed_counts(table: str, schema: pa.DataFrameSchema, frame: pl.DataFrame) -> Counter[str]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return Counter(_label(table, row) for row in cases.select("column", "check").iter_rows())
    return Counter()


def _label(table: str, row: tuple[Any, Any]) -> str:
    column, check = row
    check = str(check)
    if check.startswith(f"{table}."):
        return check
    if check in ("field_uniqueness", "multiple_fields_uniqueness"):
        single = check == "field_uniqueness"
        return next(
            c["name"]
            for c in CHECKS
            if c["table"] == table
            and c["kind"] == "unique"
            and (len(c["columns"]) == 1 and not c.get("within")) == single
            and (not single or c["columns"][0] == column)
        )
    if check == "not_nullable":
        return f"{table}.{column}.required"
    if check.startswith("dtype"):
        return f"{table}.{column}.type"
    return f"{table}.{column}.{check}"


def main(data_dir: str) -> None:
    frames = load(data_dir)
    counts: Counter[str] = Counter({c["name"]: 0 for c in CHECKS})
    for table in TABLES:
        if any(c["table"] == table for c in CHECKS):
            counts.update(failed_counts(table, build_schema(table, frames), frames[table]))
    print(json.dumps(dict(counts)))


if __name__ == "__main__":
    main(sys.argv[1])
