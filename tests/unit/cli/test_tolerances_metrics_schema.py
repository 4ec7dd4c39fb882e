"""What a user sees from `vmsdq validate` for tolerances, metric and change checks, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from vmsdq.cli import main

PROJECT = {"name": "t", "sources": {"vms": {"type": "files", "path": "data"}},
           "default_source": "vms"}  # fmt: skip


def _project(root: Path, entity: dict[str, Any], csv: str) -> Path:
    (root / "vmsdq.yaml").write_text(yaml.safe_dump(PROJECT))
    (root / "entities").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    base = {"entity": "volunteer", "key": "id", "sources": {"vms": {"path": "volunteer.csv"}}}
    (root / "entities" / "volunteer.yaml").write_text(yaml.safe_dump(base | entity))
    (root / "data" / "volunteer.csv").write_text(csv)
    return root


def _validate(root: Path) -> tuple[int, dict[str, Any]]:
    out = CliRunner().invoke(main, ["validate", "--project", str(root), "--format", "json"])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    run = json.loads(out.output)
    rules = {r["rule"]: r for e in run["entities"] for r in e["rules"]}
    return out.exit_code, {"verdict": run["verdict"], "score": run["score"], **rules}


CSV = "id,email,hours\n1,a@x.org,2\n2,,4\n3,c@x.org,6\n4,d@x.org,4\n"


@pytest.mark.parametrize(
    ("tolerance", "exit_code", "outcome", "verdict"),
    [
        ({}, 1, "failed", "failed"),  # a critical rule fails the run
        ({"fail_when": "failed_percent > 30"}, 0, "passed", "passed"),
        ({"fail_when": "failed_percent > 30", "warn_when": "failed > 0"}, 0, "warn", "warned"),
        ({"mostly": 0.8}, 1, "failed", "failed"),  # 75% passed
    ],
)
def test_tolerance_decides_outcome_verdict_and_exit_code(
    tmp_path: Path, tolerance: dict[str, Any], exit_code: int, outcome: str, verdict: str
) -> None:
    email = {"required": {"severity": "critical", **tolerance}}
    root = _project(tmp_path, {"fields": {"id": {}, "email": email}}, CSV)
    code, found = _validate(root)
    rule = found["volunteer.email.required"]
    assert (code, rule["outcome"], found["verdict"]) == (exit_code, outcome, verdict)
    assert (rule["evaluated"], rule["failed"]) == (4, 1)
    if tolerance == {"fail_when": "failed_percent > 30"}:
        assert rule["message"] == (
            "1 of 4 failed (25%): within tolerance (fail_when failed_percent > 30)"
        )
        assert found["score"] == 100.0


def test_change_check_skips_the_first_run_then_compares_with_the_previous(tmp_path: Path) -> None:
    rule = {"name": "hours_mean", "type": "metric", "metric": "mean", "field": "hours",
            "severity": "critical", "change": {"max_percent": 50}}  # fmt: skip
    entity = {"fields": {"id": {}, "hours": {"type": "integer"}}, "rules": [rule]}
    root = _project(tmp_path, entity, "id,hours\n1,2\n2,4\n")
    code, found = _validate(root)
    first = found["volunteer.hours_mean"]
    assert (code, first["outcome"], first["observed"]) == (0, "skipped", 3.0)
    assert first["message"] == "change not checked: no earlier completed run"

    (root / "data" / "volunteer.csv").write_text("id,hours\n1,3\n2,4\n")
    code, found = _validate(root)
    second = found["volunteer.hours_mean"]
    assert (code, second["outcome"]) == (0, "passed")
    assert second["message"] == "mean of hours 3 -> 3.5 (+16.7%) vs the previous run"

    (root / "data" / "volunteer.csv").write_text("id,hours\n1,30\n2,40\n")
    code, found = _validate(root)
    third = found["volunteer.hours_mean"]
    assert (code, third["outcome"], third["failed"], found["verdict"]) == (
        1, "failed", 1, "failed")  # fmt: skip
    assert third["message"] == (
        "mean of hours 3.5 -> 35 (+900%) vs the previous run: more than max_percent 50%"
    )


def test_change_against_the_mean_of_the_last_7_days(tmp_path: Path) -> None:
    rule = {"name": "rows_sum", "type": "metric", "metric": "sum", "field": "hours", "min": 0,
            "change": {"compare_to": "mean_7d", "max_delta": 5}}  # fmt: skip
    entity = {"fields": {"id": {}, "hours": {"type": "integer"}}, "rules": [rule]}
    root = _project(tmp_path, entity, "id,hours\n1,10\n")
    code, found = _validate(root)
    first = found["volunteer.rows_sum"]  # bounds decide a first run
    assert (first["outcome"], first["message"]) == (
        "passed",
        "change not checked: no completed run in the last 7 days",
    )
    (root / "data" / "volunteer.csv").write_text("id,hours\n1,20\n")
    _validate(root)  # mean so far 10: 20 is 10 away, fails; still becomes history
    (root / "data" / "volunteer.csv").write_text("id,hours\n1,18\n")
    code, found = _validate(root)  # mean of 10 and 20 is 15: 18 is within 5
    third = found["volunteer.rows_sum"]
    assert (third["outcome"], third["message"]) == (
        "passed",
        "sum of hours 15 -> 18 (+20%) vs the mean of the last 7 days",
    )


def test_schema_check_failure_is_shown_and_fails_a_critical_schema(tmp_path: Path) -> None:
    schema = {"required_columns": ["id", "phone"], "forbidden_columns": ["hours"],
              "severity": "critical"}  # fmt: skip
    root = _project(tmp_path, {"fields": {"id": {}, "email": {}}, "schema": schema}, CSV)
    code, found = _validate(root)
    assert code == 1
    assert found["volunteer.schema.required_columns"]["message"] == "missing column 'phone'"
    forbidden = found["volunteer.schema.forbidden_columns"]
    assert (forbidden["outcome"], forbidden["message"]) == (
        "failed",
        "forbidden column 'hours' is delivered",
    )


def test_vmsdq_check_points_at_a_bad_metric_rule(tmp_path: Path) -> None:
    rule = {"name": "m", "type": "metric", "metric": "mean", "field": "hours"}
    root = _project(tmp_path, {"fields": {"id": {}, "hours": {"type": "integer"}},
                               "rules": [rule]}, CSV)  # fmt: skip
    out = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert out.exit_code != 0
    assert "entities/volunteer.yaml:" in out.output
    assert "a metric check needs 'min', 'max' or 'change'" in out.output


def test_types_compare_with_the_file_as_delivered(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = {"types": {"hours": "integer", "id": "string"}}
    entity = {"fields": {"id": {}, "hours": {"type": "integer"}}, "schema": schema}
    root = _project(tmp_path, entity, "id,hours\n1,2\n")
    _, found = _validate(root)  # CSV delivers text only
    assert found["volunteer.schema.types"]["message"] == (
        "column 'hours' is string (VARCHAR), expected integer"
    )
    pq.write_table(pa.table({"id": ["1"], "hours": pa.array([2], pa.int64())}),
                   root / "data" / "volunteer.parquet")  # fmt: skip
    (root / "data" / "volunteer.csv").unlink()
    entity["sources"] = {"vms": {"path": "volunteer.parquet"}}
    base = {"entity": "volunteer", "key": "id"}
    (root / "entities" / "volunteer.yaml").write_text(yaml.safe_dump(base | entity))
    _, found = _validate(root)
    types = found["volunteer.schema.types"]
    assert (types["outcome"], types["evaluated"], types["failed"]) == ("passed", 2, 0)


def test_schema_checks_are_located_at_their_key(tmp_path: Path) -> None:
    from vmsdq.spec.loader import load_project

    schema = {"required_columns": ["id", "email"], "column_count": 3, "ordered": True}
    root = _project(tmp_path, {"fields": {"id": {}, "email": {}}, "schema": schema}, CSV)
    found = load_project(root).rule_locations
    text = (root / "entities" / "volunteer.yaml").read_text().splitlines()
    for rule, key in [("volunteer.schema.required_columns", "required_columns"),
                      ("volunteer.schema.column_count", "column_count"),
                      ("volunteer.schema.order", "ordered")]:  # fmt: skip
        line = int(found[rule].rsplit(":", 2)[1])
        assert text[line - 1].strip().startswith(f"{key}:"), (rule, text[line - 1])


def test_vmsdq_check_points_inside_a_metric_rule_and_the_schema(tmp_path: Path) -> None:
    """The kind ``metric`` is also a key of the rule: the error still names the right key."""
    rule = {"name": "n", "type": "metric", "metric": "sum", "field": "hours", "max": 3,
            "change": {"compare_to": "last_week", "max_delta": 1}}  # fmt: skip
    entity = {"fields": {"id": {}, "hours": {"type": "integer"}}, "rules": [rule],
              "schema": {"types": {"hours": "money"}}}  # fmt: skip
    root = _project(tmp_path, entity, CSV)
    out = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert out.exit_code == 2
    lines = (root / "entities" / "volunteer.yaml").read_text().splitlines()
    found = {}
    for line in out.output.splitlines():
        if "entities/volunteer.yaml:" in line:
            number, _, what = line.split("entities/volunteer.yaml:", 1)[1].split(":", 2)
            found[what.split(":")[0].strip()] = lines[int(number) - 1].strip()
    assert found["rules[0].change.compare_to"].startswith("compare_to: last_week")
    assert found["schema.types.hours"].startswith("hours: money")


def test_the_json_schema_describes_the_new_keys() -> None:
    from vmsdq.spec.schema import entity_json_schema

    schema = entity_json_schema()
    defs = schema["$defs"]
    assert "Columns, types, count and order" in schema["properties"]["schema"]["description"]
    assert set(defs["SchemaSpec"]["properties"]) >= {
        "required_columns", "forbidden_columns", "types", "column_count", "ordered"}  # fmt: skip
    metric = defs["MetricRule"]["properties"]
    assert {"metric", "field", "quantile", "min", "max", "change", "where"} <= set(metric)
    assert {"fail_when", "warn_when", "mostly"} <= set(metric)
    assert {"fail_when", "warn_when", "mostly"} <= set(defs["RequiredOpts"]["properties"])
