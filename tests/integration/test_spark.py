"""Spark SQL gives exactly DuckDB's results: the demo on pyspark in local mode.

The demo (a few hundred volunteers, every defect kind of the generator) is validated twice
through the runner: by DuckDB, and with ``engine: spark`` (the checks Spark can run run
there over the run's snapshots, the rest in DuckDB). Every rule's counts, observed value
and outcome, and every failure row (rule, key, values) must be equal. One local Spark
session serves the whole module (no UI, two shuffle partitions, the loopback only).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.checks import compile_entity
from vmsdq.core.errors import ConfigError
from vmsdq.core.results import EntityResult, RunResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.demo import generate_demo
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.planner import merge, push
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now
from vmsdq.spec.models import EntitySpec

# Spark's first queries compile and warm up the JVM: minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

AS_OF = datetime(2026, 3, 14, 9, 30)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MASTER = "local[1]"
CONF = {"spark.sql.shuffle.partitions": "2"}
ENGINE = "engine: {backend: spark, master: 'local[1]', conf: {spark.sql.shuffle.partitions: '2'}}"


def _require_spark() -> None:
    """Skip (laptop) or fail (CI=true) without Java or pyspark."""
    missing = []
    if shutil.which("java") is None:
        missing.append("Java 17 (make java installs Debian's openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (pip install -e '.[dev]')")
    if not missing:
        return
    message = f"Spark tests need {' and '.join(missing)}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing Java is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    _require_spark()
    from vmsdq.engine.spark_session import spark_session, stop_session

    session = spark_session(MASTER, CONF)
    yield session
    stop_session()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark_demo")
    generate_demo(root, volunteers=300, seed=7, as_of=AS_OF)
    return root


def project(demo: Path, root: Path, *, spark: bool) -> Path:
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns(".vmsdq"))
    if spark:
        with (root / "vmsdq.yaml").open("a") as spec:
            spec.write(ENGINE + "\n")
    return root


def outcomes(run: RunResult) -> dict[str, tuple[Any, ...]]:
    return {
        r.rule: (r.evaluated, r.failed, r.observed, r.outcome, r.message)
        for e in run.entities
        for r in e.rules
    }


def failures(run: RunResult, root: Path) -> list[tuple[str, str, str]]:
    """Every failure row; values as the JSON text the one writer wrote."""
    folder = root / ".vmsdq" / "artifacts" / "runs" / run.run_id / "failures"
    rows = [r for f in folder.glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    return sorted((r["rule"], r["key"], r["values"]) for r in rows)


def test_the_demo_on_spark_matches_duckdb(spark: Any, demo: Path, tmp_path: Path) -> None:
    duck_root = project(demo, tmp_path / "duckdb", spark=False)
    spark_root = project(demo, tmp_path / "spark", spark=True)
    duck = run_now(scratch_context(load(duck_root)), now=AS_OF)
    on_spark = run_now(scratch_context(load(spark_root)), now=AS_OF)

    assert all(e.status == "ok" for e in on_spark.entities)
    assert outcomes(on_spark) == outcomes(duck)
    assert failures(on_spark, spark_root) == failures(duck, duck_root)
    assert len(outcomes(duck)) > 200 and len(failures(duck, duck_root)) > 1000
    assert on_spark.overall_score == duck.overall_score
    messages = {e.entity: e.message for e in on_spark.entities}
    assert all("checks ran in Spark" in m for m in messages.values()), messages
    ran = sum(int(m.split(" of ")[0].split()[-1]) for m in messages.values())
    total = sum(int(m.split(" of ")[1].split()[0]) for m in messages.values())
    assert ran >= 0.8 * total, messages  # all but strict values, transitions, text casts


# -- the backend on its own: every flag and function the capabilities let through ---------

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NEWEST = datetime(2024, 5, 31, 8, 0, 0, 250_000)
VOLUNTEERS = pa.table(
    {
        "id": [1, 2, 3, 4, 5, 6, 7, 8],
        "email": ["a@x.org", "a@x.org", None, "  ", "e@x.org", "f@x.org", "\t\n", "e@x.org "],
        "status": ["Active", "Active", "Paused", "Inactive", None, "Active", "active", "Active "],
        "hours": [10.5, -1.0, 5.0, 20000.0, None, 7.0, 0.0, 3.0],
        "joined": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2019, 12, 31),
                   None, date(2024, 3, 1), date(2024, 1, 4), date(2024, 1, 5)],
        "code": ["V00000001", "V00000002\n", "bad", "V00000004", "V00000005", "V000000066",
                 "V0000000\r", "V 'a\\b"],
        "org": [10, 20, 30, None, 10, 99, 20, 10],
        "updated": pa.array([NEWEST, datetime(2024, 5, 1), None, None,
                             datetime(2024, 2, 29, 23, 59, 59), None, None, None],
                            pa.timestamp("us")),
        "hours_text": ["10.5", "-1", "x", "20000", None, "7", "1_000", " 3 "],
    }
)  # fmt: skip
ORGS = pa.table({"id": [10, 20], "name": ["Org A", "Org B"]})
FUNCTION_RULES = {
    "Coalesce": "coalesce(hours, 0) >= 0",
    "Length": "length(email) < 8",
    "Trim": "trim(email) = email",
    "Lower": "lower(status) = 'active'",
    "Upper": "upper(status) <> 'ACTIVE'",
    "Abs": "abs(hours) < 100",
    "Replace": "replace(email, '@', '') <> email",
    "Nullif": "nullif(status, 'Paused') IS NOT NULL",
    "Year": "year(joined) = 2024",
    "Month": "month(joined) <= 2",
    "Day": "day(joined) < 3",
    "DateDiff": "date_diff('month', joined, updated) > 3",
    "Concat": "concat(status, code) <> 'ActiveV00000001'",
}
LITERALS = "code <> 'V :code' AND code <> 'V ''a\\b' AND status <> '100%'"  # sent verbatim
RULES: list[dict[str, Any]] = [
    {"name": "active_has_hours", "type": "expression",
     "when": "status = 'Active'", "check": "hours > 0", "columns": ["hours"]},
    {"name": "has_rows", "type": "row_count", "min": 1},
    {"name": "few_active", "type": "row_count", "max": 2, "where": "status = 'Active'"},
    {"name": "updated_daily", "type": "freshness", "field": "updated", "max_age": "1d"},
    {"name": "joined_recently", "type": "freshness", "field": "joined", "max_age": "100d"},
    {"name": "hours_by_id", "type": "aggregate", "related": "volunteer", "foreign_key": "id",
     "function": "sum", "column": "hours", "compare": "=", "field": "hours"},
    {"name": "pair_unique", "type": "unique", "columns": ["status", "org"]},
    {"name": "literals", "type": "expression", "check": LITERALS},
    {"name": "digits", "type": "expression", "check": "regexp_full_match(code, 'V\\d{8}')"},
    {"name": "any_end", "type": "expression", "check": "regexp_full_match(code, 'V0+.')"},
    {"name": "no_blank", "type": "expression", "check": "regexp_full_match(email, '\\S+')"},
    {"name": "partial", "type": "expression", "check": "regexp_matches(code, '^V0')"},
    *({"name": f"fn_{name.lower()}", "type": "expression", "check": check}
      for name, check in FUNCTION_RULES.items()),
]  # fmt: skip


def specs() -> dict[str, EntitySpec]:
    fields: dict[str, Any] = {
        "id": {"type": "integer", "required": True, "unique": True},
        "email": {"required": True, "unique": True, "length": 40},
        "status": {"required": True, "allowed": ["Active", "Inactive"]},
        "hours": {"type": "number", "min": 0, "max": 10000},
        "joined": {"type": "date", "min": "2020-01-01"},
        "code": {"format": {"format": "regex", "pattern": "^V[0-9]{8}$"}},
        "org": {"type": "integer", "references": "org"},
        "updated": {"type": "timestamp", "max": "2024-05-31 08:00:00"},
        "hours_text": {"type": "number", "min": 0},
    }
    volunteer = EntitySpec.model_validate(
        {"entity": "volunteer", "key": "id", "sources": {"vms": {"table": "v"}},
         "fields": fields, "rules": RULES}
    )  # fmt: skip
    org = EntitySpec.model_validate(
        {"entity": "org", "key": "id", "sources": {"vms": {"table": "o"}},
         "fields": {"id": {"type": "integer", "required": True}, "name": {"required": True}}}
    )  # fmt: skip
    return {"volunteer": volunteer, "org": org}


def snapshots() -> dict[str, Snapshot]:
    return {
        "volunteer": Snapshot("volunteer", "volunteers (memory)", table=VOLUNTEERS),
        "org": Snapshot("org", "orgs (memory)", table=ORGS),
    }


def seen(result: EntityResult) -> dict[str, tuple[Any, ...]]:
    return {r.rule: (r.evaluated, r.failed, r.observed, r.outcome) for r in result.rules}


def failure_rows(result: EntityResult) -> list[tuple[str, str, Any]]:
    assert result.failures_path is not None
    rows = pq.read_table(result.failures_path).to_pylist()
    return sorted((r["rule"], r["key"], json.loads(r["values"])) for r in rows)


def test_the_backend_gives_duckdbs_counts_values_and_failures(spark: Any, tmp_path: Path) -> None:
    from vmsdq.engine.spark_backend import SparkBackend

    spec_map = specs()
    entity = compile_entity(spec_map["volunteer"], spec_map)
    [expected] = DuckDBBackend(threads=1).validate(
        [entity], snapshots(), failures_dir=tmp_path / "duckdb", now=NOW
    )
    with SparkBackend(spark) as backend:
        outcome = push(entity, backend, snapshots(), failures_dir=tmp_path / "spark", now=NOW)
    assert outcome.result is not None and outcome.remaining is not None
    [local] = DuckDBBackend(threads=1).validate(
        [outcome.remaining], snapshots(), failures_dir=tmp_path / "spark", now=NOW
    )
    result = merge(entity, outcome.result, local)

    assert seen(result) == seen(expected)
    assert failure_rows(result) == failure_rows(expected)
    pushed = {r.rule for r in outcome.result.rules}
    table_checks = {c.name for c in entity.checks if c.scope == "table"}
    assert table_checks <= pushed  # row counts (with where) and freshness
    relations = {"volunteer.id.unique", "volunteer.email.unique", "volunteer.pair_unique",
                 "volunteer.org.references", "volunteer.hours_by_id"}  # fmt: skip
    assert relations <= pushed  # duplicates, references, aggregates: joins in Spark
    allowed = backend.capabilities.functions or frozenset()
    assert {f"volunteer.fn_{n.lower()}" for n in FUNCTION_RULES if n in allowed} <= pushed
    assert {f"volunteer.fn_{n.lower()}" for n in FUNCTION_RULES if n not in allowed}.isdisjoint(
        pushed
    )
    assert "volunteer.literals" in pushed
    reasons = outcome.reasons
    # '$' before a final newline, '.' and '\r': full matches written as Java matches them
    assert {"volunteer.code.format", "volunteer.digits", "volunteer.any_end"} <= pushed
    assert "differ from RE2 on the escape \\S" in reasons["volunteer.no_blank"]
    assert "partial regular expression" in reasons["volunteer.partial"]
    assert [k for r, k, _ in failure_rows(result) if r == "volunteer.code.format"] == [
        "2", "3", "6", "7", "8"
    ]  # fmt: skip
    assert "does not cast to DOUBLE" in reasons["volunteer.hours_text.type"]  # text: DuckDB's
    got = seen(result)
    age = (NOW.replace(tzinfo=None) - NEWEST).total_seconds()  # fractions kept
    assert got["volunteer.updated_daily"][2] == age


def test_a_missing_column_keeps_the_entity_in_duckdb(spark: Any, tmp_path: Path) -> None:
    from vmsdq.engine.spark_backend import SparkBackend

    spec_map = specs()
    entity = compile_entity(spec_map["volunteer"], spec_map)
    views = snapshots()
    views["volunteer"] = Snapshot("volunteer", "v.parquet", table=VOLUNTEERS.drop(["code"]))
    with SparkBackend(spark) as backend:
        outcome = push(entity, backend, views, failures_dir=tmp_path, now=NOW)
    assert outcome.result is None and outcome.remaining is entity
    assert "column 'code' is missing from v.parquet" in outcome.reasons["volunteer.id.required"]


def test_another_master_in_the_same_process_is_refused(spark: Any) -> None:
    from vmsdq.engine.spark_session import spark_session

    assert spark_session(MASTER, CONF) is spark
    with pytest.raises(ConfigError, match="one process talks to one Spark master"):
        spark_session("spark://127.0.0.1:1", CONF)


def test_quarantined_records_are_counted_when_spark_runs_every_check(
    spark: Any, tmp_path: Path
) -> None:
    """Every check runs in Spark; DuckDB still reports the CSV's unparseable line, once."""
    roots = person_projects(
        tmp_path,
        "id,email,age\n1,a@x.org,30\n2,,41\n3,b@x.org,5,extra\n4,a@x.org,-2\n",
        "  id: {required: true, unique: true}\n"  # CSV: text, cast to text
        "  email: {required: true, unique: true}\n  age: {length: 1}\n",
    )
    duck = run_now(scratch_context(load(roots["duckdb"])), now=AS_OF)
    on_spark = run_now(scratch_context(load(roots["spark"])), now=AS_OF)
    assert outcomes(on_spark) == outcomes(duck)
    assert failures(on_spark, roots["spark"]) == failures(duck, roots["duckdb"])
    [person] = on_spark.entities
    assert person.rejected == duck.entities[0].rejected >= 1
    assert "person.record.parseable" in outcomes(on_spark)
    assert any(rule == "person.record.parseable" for rule, _, _ in failures(duck, roots["duckdb"]))
    count = len([r for r in person.rules if r.rule != "person.record.parseable"])
    assert f"{count} of {count} checks ran in Spark" in person.message


def test_an_encrypted_archive_on_spark_matches_duckdb_and_leaves_no_plain_copy(
    spark: Any, demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spark cannot open our encrypted Parquet: the backend hands it decrypted copies in its
    own temporary folder and removes them when it closes."""
    import tempfile

    from vmsdq.core import sealed_files, sealing

    duck_root = project(demo, tmp_path / "duckdb", spark=False)
    duck = run_now(scratch_context(load(duck_root)), now=AS_OF)
    monkeypatch.setenv(sealing.ENV_KEYS, f"k1:{sealing.generate_key()}")
    spark_root = project(demo, tmp_path / "spark", spark=True)
    copies = Path(tempfile.gettempdir())
    before = set(copies.glob("vmsdq-spark-*"))
    on_spark = run_now(scratch_context(load(spark_root)), now=AS_OF)

    assert all(e.status == "ok" for e in on_spark.entities), [e.message for e in on_spark.entities]
    assert all("checks ran in Spark" in e.message for e in on_spark.entities)
    assert outcomes(on_spark) == outcomes(duck)
    opened = [(r, k, sealing.unseal(v, sealing.FAILURE_VALUES)) for r, k, v in
              failures(on_spark, spark_root)]  # fmt: skip
    assert sorted(opened) == failures(duck, duck_root)
    archive = spark_root / ".vmsdq" / "artifacts" / "runs" / on_spark.run_id / "snapshots"
    files = sorted(archive.glob("*.parquet"))
    assert files and all(sealed_files.is_encrypted(f) for f in files)
    assert set(copies.glob("vmsdq-spark-*")) == before  # no decrypted copy left behind


def person_projects(tmp_path: Path, csv: str, fields: str) -> dict[str, Path]:
    """The same one-entity project (``person.csv`` holding ``csv``, the entity's ``fields:``
    lines) twice: on DuckDB and on Spark."""
    roots = {}
    for name, engine in (("duckdb", ""), ("spark", ENGINE + "\n")):
        root = roots[name] = tmp_path / name
        (root / "data").mkdir(parents=True)
        (root / "data" / "person.csv").write_text(csv)
        (root / "entities").mkdir()
        (root / "entities" / "person.yaml").write_text(
            "entity: person\nkey: id\nsources:\n  vms: {path: person.csv, format: csv}\n"
            "fields:\n" + fields
        )
        (root / "vmsdq.yaml").write_text(
            "sources:\n  vms: {type: files, path: data}\ndefault_source: vms\n" + engine
        )
    return roots


CSV_IDS = ["17", "17.5", "0x1F", " 18", "18.0", "1e3", "99999999999999999999"]


@pytest.mark.parametrize("key_type", ["string", "integer"])
def test_keys_as_the_csv_holds_them_match_duckdb(spark: Any, tmp_path: Path, key_type: str) -> None:
    """Ids that are not all integers. As a string key Spark runs every check; as an integer
    key the row checks stay in DuckDB (Spark casts text otherwise). Either way each failure
    names its record by the id as the file holds it, as DuckDB does."""
    roots = person_projects(
        tmp_path,
        "id,status\n" + "".join(f'"{i}",no\n' for i in CSV_IDS),
        f"  id: {{type: {key_type}, unique: true}}\n  status: {{allowed: [ok]}}\n",
    )
    duck = run_now(scratch_context(load(roots["duckdb"])), now=AS_OF)
    on_spark = run_now(scratch_context(load(roots["spark"])), now=AS_OF)
    assert outcomes(on_spark) == outcomes(duck)
    found = failures(on_spark, roots["spark"])
    assert found == failures(duck, roots["duckdb"])
    assert sorted(k for r, k, _ in found if r == "person.status.allowed") == sorted(CSV_IDS)
    [person] = on_spark.entities
    if key_type == "string":
        assert "2 of 2 checks ran in Spark" in person.message
    else:
        assert sorted(k for r, k, _ in found if r == "person.id.unique") == [" 18", "18.0"]
        assert "checks ran in Spark" not in person.message  # the key's cast: none goes down
