"""Metric checks: each metric's value, NULL and blank semantics, bounds and their message."""

from __future__ import annotations

import statistics
from datetime import datetime

import pyarrow as pa
import pytest
from pydantic import ValidationError

from vmsdq.checks.compiler import compile_entity
from vmsdq.core.errors import ConfigErrors
from vmsdq.core.words import Dimension, Outcome
from vmsdq.engine.tables import table_query
from vmsdq.engine.testing import TableCase

FIELDS = {"id": {}, "hours": {"type": "integer"}, "email": {}}
ROWS = (
    {"id": "1", "hours": 1, "email": "a@x.org"},
    {"id": "2", "hours": 5, "email": "   "},  # blank: missing, like required
    {"id": "3", "hours": 2, "email": "a@x.org"},
    {"id": "4", "hours": None, "email": None},
    {"id": "5", "hours": 4, "email": "bb@x.org"},
)
HOURS = [1, 5, 2, 4]  # NULL is no value


def _observed(tmp_path, metric: str, field: str, **extra) -> tuple[float | None, object]:
    rule = {"name": "m", "type": "metric", "metric": metric, "field": field, "max": 1e9, **extra}
    case = TableCase("t", FIELDS, [rule], schema={"hours": pa.int64()}).rows(*ROWS)
    result = case.run(tmp_path).rule("t.m")
    return result.observed, result


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("min", 1.0),
        ("max", 5.0),
        ("mean", statistics.mean(HOURS)),
        ("median", statistics.median(HOURS)),
        ("stddev", statistics.stdev(HOURS)),
        ("sum", 12.0),
    ],
)
def test_number_metrics_ignore_nulls(tmp_path, metric, expected):
    observed, _ = _observed(tmp_path, metric, "hours")
    assert observed == pytest.approx(expected)


def test_quantile_interpolates_like_statistics(tmp_path):
    observed, _ = _observed(tmp_path, "quantile", "hours", quantile=0.9)
    # continuous quantile: 4 + 0.7 * (5 - 4)
    assert observed == pytest.approx(4.7)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("missing_count", 2.0),  # NULL and the blank string
        ("missing_percent", 40.0),
        ("distinct_count", 2.0),  # a@x.org, bb@x.org: blanks and NULLs are no value
        ("duplicate_count", 1.0),  # the second a@x.org
        ("avg_length", (7 + 7 + 8) / 3),
    ],
)
def test_count_metrics_treat_blank_text_as_missing(tmp_path, metric, expected):
    observed, _ = _observed(tmp_path, metric, "email")
    assert observed == pytest.approx(expected)


def test_where_measures_only_matching_rows(tmp_path):
    observed, _ = _observed(tmp_path, "sum", "hours", where="hours > 1")
    assert observed == 11.0


def test_out_of_bounds_fails_with_a_message_naming_the_value(tmp_path):
    rules = [
        {"name": "busy", "type": "metric", "metric": "mean", "field": "hours", "min": 0, "max": 2},
        {"name": "gaps", "type": "metric", "metric": "missing_percent", "field": "email",
         "max": 50},
    ]  # fmt: skip
    case = TableCase("t", FIELDS, rules, schema={"hours": pa.int64()}).rows(*ROWS)
    result = case.run(tmp_path)
    busy, gaps = result.rule("t.busy"), result.rule("t.gaps")
    assert (busy.outcome, busy.evaluated, busy.failed, busy.observed) == (Outcome.failed, 1, 1, 3.0)
    assert busy.message == "mean of hours between 0 and 2: observed 3"
    assert (gaps.outcome, gaps.message, gaps.dimension) == (
        Outcome.passed,
        "",
        Dimension.completeness,
    )


def test_no_value_to_measure_fails_a_bounded_metric(tmp_path):
    rules = [{"name": "m", "type": "metric", "metric": "max", "field": "hours", "max": 10}]
    case = TableCase("t", FIELDS, rules).rows({"id": "1", "hours": None, "email": "a"})
    rule = case.run(tmp_path).rule("t.m")
    assert (rule.outcome, rule.observed) == (Outcome.failed, None)
    assert rule.message == "max of hours at most 10: no value to measure"


def test_number_metric_on_a_text_field_is_a_config_error():
    rules = [{"name": "m", "type": "metric", "metric": "mean", "field": "email", "max": 1}]
    spec = TableCase("t", FIELDS, rules).spec()
    with pytest.raises(ConfigErrors) as info:
        compile_entity(spec, {"t": spec})
    assert "metric 'mean' needs a number field; 'email' is string" in str(info.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"metric": "quantile", "max": 1}, "'quantile' (0 < q < 1) goes with metric 'quantile'"),
        ({"metric": "sum"}, "a metric check needs 'min', 'max' or 'change'"),
        ({"metric": "sum", "min": 5, "max": 1}, "min 5 is above max 1"),
        ({"metric": "sum", "change": {}}, "a change check needs 'max_percent' or 'max_delta'"),
        ({"metric": "mode", "max": 1}, "mode"),
    ],
)
def test_incomplete_metric_rules_are_refused(rule, message):
    rules = [{"name": "m", "type": "metric", "field": "hours", **rule}]
    with pytest.raises(ValidationError) as info:
        TableCase("t", FIELDS, rules).spec()
    assert message in str(info.value)


def test_all_metrics_of_an_entity_share_one_aggregate_query(tmp_path):
    rules = [
        {"name": f"m{i}", "type": "metric", "metric": m, "field": "hours", "max": 99}
        for i, m in enumerate(["min", "max", "mean", "sum"])
    ] + [{"name": "rows", "type": "row_count", "min": 1}]
    spec = TableCase("t", FIELDS, rules).spec()
    compiled = compile_entity(spec, {"t": spec})
    table_checks = [c for c in compiled.checks if c.scope == "table"]
    sql = table_query(compiled, table_checks, datetime(2026, 1, 1)).sql("duckdb")
    assert len(table_checks) == 5
    assert sql.count("FROM base") == 1  # one scan of the rows for every metric
