import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from vmsdq.checks import compile_entity
from vmsdq.checks.model import Check, ColumnSpec, CompiledEntity
from vmsdq.checks.sql import col
from vmsdq.core.snapshots import RejectedRecord, Snapshot
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.testing import TableCase
from vmsdq.spec.models import EntitySpec

NOW = datetime(2026, 1, 15, tzinfo=UTC)
ORG = EntitySpec.model_validate(
    {"entity": "org", "key": "id", "fields": {"id": {"required": True}, "name": {"required": True}}}
)
VOL = EntitySpec.model_validate(
    {"entity": "vol", "key": "id", "fields": {"id": {"unique": True}, "org": {"references": "org"}}}
)
SPECS = {"org": ORG, "vol": VOL}


def validate(snapshots, tmp_path, specs=SPECS, **kwargs):
    compiled = [compile_entity(s, specs) for s in specs.values()]
    backend = DuckDBBackend(threads=1, memory_limit="500MB")
    return backend.validate(
        compiled, snapshots, failures_dir=tmp_path / "failures", now=NOW, **kwargs
    )


def test_missing_column_errors_that_entity_only(tmp_path):
    snapshots = {
        "org": Snapshot("org", "data/org.csv", table=pa.table({"id": ["o1"]})),
        "vol": Snapshot("vol", "data/vol.csv", table=pa.table({"id": ["v1"], "org": ["o1"]})),
    }
    org, vol = validate(snapshots, tmp_path)
    assert org.status == "error"
    assert org.message == "entity 'org': column 'name' is missing from data/org.csv"
    assert org.rules == [] and org.failures_path is None
    assert vol.status == "ok" and vol.rows == 1
    assert [(r.rule, r.outcome) for r in vol.rules] == [
        ("vol.id.unique", Outcome.passed),
        ("vol.org.references", Outcome.passed),
    ]


def test_parquet_and_streaming_snapshots(tmp_path):
    path = tmp_path / "org.parquet"
    pq.write_table(pa.table({"id": ["o1", "o2"], "name": ["A", None]}), path)
    vols = pa.table({"id": ["v1", "v2", "v2"], "org": ["o1", "o3", None]})
    snapshots = {
        "org": Snapshot("org", str(path), parquet=[str(path)]),
        # a reader can be consumed once; the engine scans vol several times
        "vol": Snapshot(
            "vol", "stream", table=pa.RecordBatchReader.from_batches(vols.schema, vols.to_batches())
        ),
    }
    org, vol = validate(snapshots, tmp_path)
    assert (org.rows, org.location) == (2, str(path))
    assert [(r.rule, r.failed) for r in org.rules] == [
        ("org.id.required", 0),
        ("org.name.required", 1),
    ]
    assert [(r.rule, r.evaluated, r.failed) for r in vol.rules] == [
        ("vol.id.unique", 3, 2),
        ("vol.org.references", 2, 1),
    ]


def test_failure_file_content(tmp_path):
    snapshots = {
        "org": Snapshot("org", "o", table=pa.table({"id": ["o1"], "name": ["A"]})),
        "vol": Snapshot(
            "vol", "v", table=pa.table({"id": ["v1", "v1", "v2"], "org": ["o1", "x", "y"]})
        ),
    }
    org, vol = validate(snapshots, tmp_path)
    assert vol.failures_path == str(tmp_path / "failures" / "vol.parquet")
    table = pq.read_table(vol.failures_path)
    assert table.schema.names == ["rule", "key", "values"]
    rows = sorted((r["rule"], r["key"], json.loads(r["values"])) for r in table.to_pylist())
    assert rows == [
        ("vol.id.unique", "v1", {"id": "v1"}),
        ("vol.id.unique", "v1", {"id": "v1"}),
        ("vol.org.references", "v1", {"org": "x"}),
        ("vol.org.references", "v2", {"org": "y"}),
    ]
    assert pq.read_table(org.failures_path).num_rows == 0  # written even when all pass


def test_failures_are_never_capped(tmp_path):
    n = 300_000
    spec = TableCase("t", {"id": {}, "x": {"required": True}}).spec()
    table = pa.table({"id": pa.array([str(i) for i in range(n)]), "x": pa.nulls(n, pa.string())})
    [result] = DuckDBBackend().validate(
        [compile_entity(spec, {"t": spec})],
        {"t": Snapshot("t", "mem", table=table)},
        failures_dir=tmp_path,
        now=NOW,
    )
    assert result.rules[0].failed == n
    assert pq.read_metadata(result.failures_path).num_rows == n


def test_quarantined_records_become_the_parseable_rule(tmp_path):
    case = TableCase("t", {"id": {}, "x": {"required": True}}).rows({"id": "1", "x": "a"})
    case.rejects = [
        RejectedRecord("t", "t.csv", 3, "expected 2 fields, saw 3", 'a,b,"c'),
        RejectedRecord("t", "t.csv", 7, "unterminated quote", '"x'),
    ]
    result = case.run(tmp_path)
    rule = result.rule("t.record.parseable")
    assert (rule.evaluated, rule.failed, rule.outcome) == (3, 2, Outcome.failed)
    assert (rule.dimension, rule.severity) == (Dimension.validity, Severity.critical)
    assert result.entity().rejected == 2
    assert result.failures() == [
        {
            "rule": "t.record.parseable",
            "key": "line:3",
            "values": {"error": "expected 2 fields, saw 3", "raw": 'a,b,"c'},
        },
        {
            "rule": "t.record.parseable",
            "key": "line:7",
            "values": {"error": "unterminated quote", "raw": '"x'},
        },
    ]


def handmade(name: str, fails: exp.Expression) -> Check:
    return Check(
        name=name,
        entity="t",
        kind="expression",
        dimension=Dimension.consistency,
        severity=Severity.error,
        weight=1.0,
        description="",
        fails=fails,
        values=(("x", col("x")),),
    )


def test_a_rule_that_does_not_bind_errors_alone(tmp_path):
    entity = CompiledEntity(
        name="t",
        key="id",
        columns=(ColumnSpec("id", "id", "VARCHAR"), ColumnSpec("x", "x", "BIGINT")),
        checks=(
            handmade("t.ok", exp.GT(this=col("x"), expression=exp.convert(1))),
            handmade("t.broken", exp.func("no_such_function", col("x"))),
            handmade("t.also_ok", exp.LT(this=col("x"), expression=exp.convert(2))),
        ),
    )
    snap = Snapshot("t", "mem", table=pa.table({"id": ["a", "b"], "x": [1, 5]}))
    [result] = DuckDBBackend().validate([entity], {"t": snap}, failures_dir=tmp_path, now=NOW)
    by_name = {r.rule: r for r in result.rules}
    assert by_name["t.broken"].outcome is Outcome.error
    assert "no_such_function" in by_name["t.broken"].message
    assert (by_name["t.ok"].failed, by_name["t.also_ok"].failed) == (1, 1)
    keys = {(r["rule"], r["key"]) for r in pq.read_table(result.failures_path).to_pylist()}
    assert keys == {("t.ok", "b"), ("t.also_ok", "a")}


def test_previous_and_mirror_views_and_progress(tmp_path):
    import duckdb

    from vmsdq.engine.views import register_snapshots

    snap = Snapshot(
        "org",
        "now",
        table=pa.table({"id": ["o1"], "name": ["A"]}),
        previous=Snapshot("org", "before", table=pa.table({"id": ["o0"], "name": ["B"]})),
    )
    mirror = Snapshot("org", "sf", table=pa.table({"Id": ["x"]}))
    con = duckdb.connect()
    assert register_snapshots(con, {"org": snap, "org__mirror": mirror}) == {}
    assert con.execute('SELECT id FROM "org__previous"').fetchall() == [("o0",)]
    assert con.execute('SELECT "Id" FROM "org__mirror"').fetchall() == [("x",)]
    stages = []
    validate(
        {"org": snap},
        tmp_path,
        specs={"org": ORG},
        progress=lambda entity, stage: stages.append((entity, stage)),
    )
    assert stages[0] == ("org", "strict values") and stages[-1] == ("org", "failures")


def test_missing_snapshot_and_unreadable_parquet(tmp_path):
    snapshots = {
        "vol": Snapshot("vol", "nowhere.parquet", parquet=[str(tmp_path / "nope.parquet")])
    }
    org, vol = validate(snapshots, tmp_path)
    assert (org.status, org.message) == ("error", "entity 'org': no snapshot was read")
    assert vol.status == "error" and "cannot read nowhere.parquet" in vol.message


def test_bind_and_runtime_errors_in_the_same_entity(tmp_path):
    rules = [
        {"name": "bind", "type": "expression", "check": "x > DATE '2020-01-01'"},
        {"name": "runtime", "type": "expression", "check": "CAST(x AS INTEGER) > 0"},
        {"name": "fine", "type": "expression", "check": "x <> 'a'"},
    ]
    case = TableCase("t", {"id": {}, "x": {}}, rules).rows({"id": "1", "x": "a"})
    result = case.run(tmp_path)
    assert result.rule("t.bind").outcome is Outcome.error
    assert "Binder Error" in result.rule("t.bind").message
    assert "Conversion Error" in result.rule("t.runtime").message
    assert result.failing("t.fine") == ["1"]


def test_one_streaming_snapshot_under_two_names(tmp_path):
    import duckdb

    from vmsdq.engine.views import register_snapshots

    table = pa.table({"id": ["o1", "o2"], "name": ["A", "B"]})
    snap = Snapshot(
        "org", "stream", table=pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    )
    con = duckdb.connect()
    assert register_snapshots(con, {"org": snap, "org__reconcile": snap}) == {}
    assert con.execute('SELECT COUNT(*) FROM "org"').fetchone() == (2,)
    assert con.execute('SELECT COUNT(*) FROM "org__reconcile"').fetchone() == (2,)
