"""The benchmark subset as Great Expectations (1.x, pandas engine) suites, one per table.

Usage (in bench/.work/venv-gx): python gx_run.py DATA_DIR -> JSON {check: failed rows}.
Nearest equivalents where GX has no such rule type: reference = ExpectColumnValuesToBeInSet
with the target's keys; aggregate = a pandas merge computed before validation, then
ExpectColumnPairValuesToBeEqual; conditional = row_condition plus a NotBeNull expectation
(GX map expectations skip NULLs); freshness = ExpectColumnMaxToBeBetween. Table-level
expectations (row count, freshness) report 0/1.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from checks import CHECKS, TABLES, Check, columns_of  # noqa: E402

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network calls from the benchmark
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.row_conditions import Column  # noqa: E402

warnings.filterwarnings("ignore")
NOW = datetime.utcnow()


def expectations(check: Check, frames: dict[str, pd.DataFrame]) -> list[Any]:
    kind, col = check["kind"], check.get("column")
    if kind == "required":
        return [gxe.ExpectColumnValuesToNotBeNull(column=col)]
    if kind == "unique" and len(check["columns"]) == 1 and not check.get("within"):
        return [gxe.ExpectColumnValuesToBeUnique(column=check["columns"][0])]
    if kind == "unique":
        return [
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=check.get("within", []) + check["columns"]
            )
        ]
    if kind == "format":
        return [gxe.ExpectColumnValuesToMatchRegex(column=col, regex=check["pattern"])]
    if kind == "allowed":
        return [gxe.ExpectColumnValuesToBeInSet(column=col, value_set=check["values"])]
    if kind == "range":
        low, high = check["min"], check["max"]
        if check["type"] == "date":
            low, high = (pd.Timestamp(v) for v in (low, high))
        return [gxe.ExpectColumnValuesToBeBetween(column=col, min_value=low, max_value=high)]
    if kind == "length":
        return [gxe.ExpectColumnValueLengthsToBeBetween(column=col, max_value=check["max"])]
    if kind == "type":
        return [gxe.ExpectColumnValuesToBeOfType(column=col, type_="float64")]
    if kind == "reference":
        keys = frames[check["target"]][check["target_column"]].dropna().unique().tolist()
        return [gxe.ExpectColumnValuesToBeInSet(column=col, value_set=keys)]
    return table_expectations(check)


def table_expectations(check: Check) -> list[Any]:
    kind = check["kind"]
    if kind == "compare":
        return [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=check["left"],
                column_B=check["right"],
                or_equal=check["op"] == ">=",
                ignore_row_if="either_value_is_missing",
            )
        ]
    if kind == "conditional":
        return conditional(check)
    if kind == "aggregate":
        return [
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A=check["field"],
                column_B="_related_count",
                ignore_row_if="either_value_is_missing",
            )
        ]
    if kind == "row_count":
        return [gxe.ExpectTableRowCountToBeBetween(min_value=check["min"])]
    if kind == "freshness":
        limit = pd.Timestamp(NOW - timedelta(seconds=check["max_age_s"]))
        return [gxe.ExpectColumnMaxToBeBetween(column=check["column"], min_value=limit)]
    raise ValueError(kind)


def conditional(check: Check) -> list[Any]:
    when = Column(check["when"][0]) == check["when"][1]
    then = check["then"]
    if "equals" in then:
        col, value = then["equals"]
        main = gxe.ExpectColumnValuesToBeInSet(column=col, value_set=[value], row_condition=when)
    elif "present" in then:
        col = then["present"]
        main = gxe.ExpectColumnValuesToMatchRegex(column=col, regex=r"\S", row_condition=when)
    else:
        col = then["positive"]
        main = gxe.ExpectColumnValuesToBeBetween(
            column=col, min_value=0, strict_min=True, row_condition=when
        )
    return [main, gxe.ExpectColumnValuesToNotBeNull(column=col, row_condition=when)]


def load(data_dir: str) -> dict[str, pd.DataFrame]:
    frames = {  # dates as datetime64 so GX compares them with timestamps
        t: pq.read_table(Path(data_dir, f"{t}.parquet"), columns=columns_of(t)).to_pandas(
            date_as_object=False
        )
        for t in TABLES
    }
    agg = next(c for c in CHECKS if c["kind"] == "aggregate")
    col, value = agg["related_exclude"]
    related = frames[agg["related"]]
    kept = related[related[col].notna() & (related[col] != value)]
    counts = kept.groupby(agg["foreign_key"]).size().rename("_related_count").reset_index()
    merged = frames[agg["table"]].merge(counts, how="left", on=agg["key"])
    merged["_related_count"] = merged["_related_count"].fillna(0).astype("int64")
    frames[agg["table"]] = merged
    return frames


def failed(result: Any) -> int:
    if "unexpected_count" in result.result:
        return int(result.result["unexpected_count"] or 0)
    return 0 if result.success else 1


def main(data_dir: str) -> None:
    frames = load(data_dir)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("bench")
    counts: dict[str, int] = {c["name"]: 0 for c in CHECKS}
    for table in TABLES:
        mine = [c for c in CHECKS if c["table"] == table]
        if not mine:
            continue
        suite = gx.ExpectationSuite(name=table)
        for check in mine:
            for exp in expectations(check, frames):
                exp.meta = {"check": check["name"]}
                suite.add_expectation(exp)
        batch = (
            source.add_dataframe_asset(name=table)
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frames[table]})
        )
        report = batch.validate(suite, result_format="BASIC")
        for res in report.results:
            counts[res.expectation_config.meta["check"]] += failed(res)
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1])
