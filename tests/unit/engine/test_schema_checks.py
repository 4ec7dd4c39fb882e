"""Schema checks: required, forbidden, types, count and order of the delivered columns."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest
from pydantic import ValidationError

from vmsdq.checks.compiler import compile_entity
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.schema import delivered_by_field, schema_results, type_family
from vmsdq.engine.testing import TableCase

FIELDS = {"id": {}, "hours": {"type": "integer"}, "email": {}}
ROW = {"id": "1", "hours": 3, "email": "a@x.org", "ssn": "123"}


def _run(tmp_path, schema, fields=FIELDS, row=ROW):
    case = TableCase("t", fields, schema={"hours": pa.int64()}, declares={"schema": schema})
    return case.rows(dict(row)).run(tmp_path)


def test_every_kind_reports_what_the_source_delivers(tmp_path):
    schema = {
        "required_columns": ["id", "email", "phone"],
        "forbidden_columns": ["ssn", "password"],
        "types": {"hours": "integer", "email": "integer", "fax": "string"},
        "column_count": 3,
        "ordered": True,
    }
    result = _run(tmp_path, schema)
    found = {r.rule: (r.outcome, r.evaluated, r.failed, r.message) for r in result.entity().rules
             if r.kind == "schema"}  # fmt: skip
    assert found == {
        "t.schema.required_columns": (Outcome.failed, 3, 1, "missing column 'phone'"),
        "t.schema.forbidden_columns": (
            Outcome.failed,
            2,
            1,
            "forbidden column 'ssn' is delivered",
        ),  # fmt: skip
        "t.schema.types": (
            Outcome.failed,
            3,
            2,
            "column 'email' is string (VARCHAR), expected integer; "
            "column 'fax' is missing (expected string)",
        ),
        "t.schema.column_count": (Outcome.failed, 1, 1, "4 columns delivered, expected 3"),
        "t.schema.order": (Outcome.passed, 1, 0, ""),
    }
    assert result.rule("t.schema.column_count").observed == 4.0


def test_order_lists_the_delivered_order(tmp_path):
    row = {"email": "a@x.org", "id": "1", "hours": 3}
    result = _run(tmp_path, {"required_columns": ["id", "email"], "ordered": True}, row=row)
    rule = result.rule("t.schema.order")
    assert (rule.outcome, rule.message) == (
        Outcome.failed,
        "columns delivered in the order email, id; expected id, email",
    )


def test_names_compare_case_insensitively_and_severity_applies(tmp_path):
    schema = {"required_columns": ["ID", "Email"], "severity": "warning"}
    rule = _run(tmp_path, schema).rule("t.schema.required_columns")
    assert (rule.outcome, rule.severity) == (Outcome.passed, "warning")
    missing = _run(tmp_path, {"required_columns": ["phone"], "severity": "warning"})
    assert missing.rule("t.schema.required_columns").outcome is Outcome.warn


def test_schema_is_reported_even_when_a_declared_field_is_missing(tmp_path):
    fields = {**FIELDS, "phone": {}}
    case = TableCase("t", fields, declares={"schema": {"required_columns": ["phone"]}})
    case.rows(dict(ROW))
    # the builder adds declared columns no row mentions: drop it from the snapshot
    snapshot = case._snapshot("t", case.data, case.spec()).table.drop(["phone"])
    spec = case.spec()
    [result] = DuckDBBackend(threads=1).validate(
        [compile_entity(spec, {"t": spec})],
        {"t": Snapshot("t", "memory:t", table=snapshot)},
        failures_dir=tmp_path,
        now=datetime(2026, 1, 1),
    )
    assert result.status == "error"
    [rule] = result.rules
    assert (rule.rule, rule.outcome, rule.message) == (
        "t.schema.required_columns",
        Outcome.failed,
        "missing column 'phone'",
    )


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("BIGINT", "integer"), ("integer", "integer"), ("smallint", "integer"),
        ("HUGEINT", "integer"), ("DOUBLE", "number"), ("DECIMAL(18,3)", "number"),
        ("double_precision", "number"), ("numeric", "number"), ("VARCHAR", "string"),
        ("text", "string"), ("BOOLEAN", "boolean"), ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"), ("datetime", "timestamp"),
        ("INTERVAL", None), ("BLOB", None),
    ],
)  # fmt: skip
def test_type_families_cover_duckdb_and_sqlalchemy_names(name, family):
    assert type_family(name) == family


def test_a_database_table_is_compared_under_field_names():
    fields = {"id": {}, "email": {"source_name": "EMAIL_ADDR"}}
    spec = TableCase("t", fields, declares={"schema": {"required_columns": ["email"]}}).spec()
    compiled = compile_entity(spec, {"t": spec})
    delivered = delivered_by_field(compiled, {"id": "integer", "EMAIL_ADDR": "varchar"})
    [rule] = schema_results(compiled.checks, delivered)
    assert (rule.outcome, rule.evaluated, rule.failed) == (Outcome.passed, 1, 0)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"required_columns": ["a"], "forbidden_columns": ["A"]}, "both required and forbidden: a"),
        ({"required_columns": ["a"], "ordered": True}, "'ordered' needs at least two"),
        ({"types": {"a": "money"}}, "money"),
        ({"column_count": 0}, "greater than or equal to 1"),
        ({"required": ["a"]}, "required"),
    ],
)
def test_bad_schema_blocks_are_refused(schema, message):
    with pytest.raises(ValidationError) as info:
        TableCase("t", FIELDS, declares={"schema": schema}).spec()
    assert message in str(info.value)
