"""The planner: checks split by capability flags, pushed, and merged back into one result.

DuckDB stands in for a database here (it implements the same Backend protocol); limiting
its flags forces a split without a server. The real databases are in the integration
suite (tests/integration/test_sql_pushdown.py).
"""

import dataclasses
import json
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.checks import compile_entity
from vmsdq.checks.model import CompiledEntity
from vmsdq.core.errors import SourceError
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.backend import Backend
from vmsdq.engine.duckdb_backend import DUCKDB, DuckDBBackend
from vmsdq.engine.planner import merge, push, split_by_capabilities
from vmsdq.engine.testing import NOW
from vmsdq.spec.models import EntitySpec

ORG = EntitySpec.model_validate(
    {"entity": "org", "key": "id", "fields": {"id": {"required": True}}}
)
VOL = EntitySpec.model_validate(
    {
        "entity": "vol",
        "key": "id",
        "fields": {
            "id": {"required": True, "unique": True},
            "email": {"format": {"format": "email", "strict": True}},  # Python validators
            "code": {"format": {"format": "regex", "pattern": "^V[0-9]$"}},
            "org": {"references": "org"},
            "hours": {"type": "number", "min": 0},
        },
        "rules": [
            {"name": "has_rows", "type": "row_count", "min": 3},
            {"name": "few_rows", "type": "row_count", "max": 1, "where": "hours > 1"},
        ],
    }
)
SPECS = {"vol": VOL, "org": ORG}
SNAPSHOTS = {
    "org": Snapshot("org", "mem:org", table=pa.table({"id": ["o1"]})),
    "vol": Snapshot(
        "vol",
        "mem:vol",
        table=pa.table(
            {
                "id": ["v1", "v2", "v2"],
                "email": ["a@x.org", "nope", None],
                "code": ["V1", "X", "V3"],
                "org": ["o1", "o2", None],
                "hours": [2.0, -1.0, 5.0],
            }
        ),
    ),
}


class Limited(DuckDBBackend):
    """DuckDB with fewer flags, as a database would declare them."""

    def __init__(self, **flags: bool) -> None:
        super().__init__(threads=1)
        self.capabilities = dataclasses.replace(DUCKDB, **flags)


class Broken(DuckDBBackend):
    def validate(self, *args: object, **kwargs: object) -> list:  # type: ignore[override]
        raise SourceError("entity 'vol': pushdown to db failed: connection refused")


def compiled(name: str = "vol") -> CompiledEntity:
    return compile_entity(SPECS[name], SPECS)


def read_all(entity: CompiledEntity, tmp_path) -> object:
    [result] = DuckDBBackend(threads=1).validate(
        [entity], SNAPSHOTS, failures_dir=tmp_path / "read", now=NOW
    )
    return result


def rows(path: str) -> list[tuple[str, str, dict]]:
    table = pq.read_table(path).to_pylist()
    return sorted((r["rule"], r["key"], json.loads(r["values"])) for r in table)


def test_both_backends_implement_the_protocol() -> None:
    def capabilities_of(backend: Backend[Snapshot]) -> object:
        return backend.capabilities

    assert capabilities_of(DuckDBBackend()) is DUCKDB


def test_flags_decide_the_split() -> None:
    entity = compiled()
    split = split_by_capabilities(
        entity, Limited(supports_regex=False, supports_strict_values=False), SNAPSHOTS
    )
    assert split.reasons == {
        "vol.email.format": "strict validation runs in Python",
        "vol.code.format": "duckdb regular expressions differ from RE2",
    }
    assert {c.name for c in split.remaining} == set(split.reasons)
    assert "vol.id.required" in {c.name for c in split.pushed}  # blank test: no regex needed
    tables_only = split_by_capabilities(entity, Limited(supports_table_checks=False), SNAPSHOTS)
    assert tables_only.reasons == {
        "vol.has_rows": "table checks run from the rows",
        "vol.few_rows": "table checks run from the rows",
    }


def test_views_the_backend_lacks_keep_their_checks_out() -> None:
    entity = compiled()
    without_org: Mapping[str, Snapshot] = {"vol": SNAPSHOTS["vol"]}
    split = split_by_capabilities(entity, DuckDBBackend(), without_org)
    assert split.reasons == {"vol.org.references": "not in this database: org"}
    nothing = split_by_capabilities(entity, DuckDBBackend(), {"org": SNAPSHOTS["org"]})
    assert nothing.pushed == () and len(nothing.remaining) == len(entity.checks)
    assert nothing.reasons["vol.id.required"] == "entity 'vol' has no table in this database"


def test_transition_rules_need_the_previous_snapshot() -> None:
    spec = EntitySpec.model_validate(
        {
            "entity": "t",
            "key": "id",
            "fields": {"id": {}, "s": {}},
            "rules": [{"name": "s_moves", "type": "transition", "field": "s",
                       "allowed": {"a": ["b"]}}],
        }
    )  # fmt: skip
    entity = compile_entity(spec, {"t": spec})
    views = {"t": SNAPSHOTS["vol"], "t__previous": SNAPSHOTS["vol"]}
    split = split_by_capabilities(entity, Limited(supports_previous_snapshot=False), views)
    assert split.reasons == {"t.s_moves": "the previous snapshot is kept by DuckDB only"}


def test_everything_pushed_leaves_nothing_to_read(tmp_path) -> None:
    entity = compiled()
    outcome = push(entity, DuckDBBackend(threads=1), SNAPSHOTS, failures_dir=tmp_path, now=NOW)
    expected = read_all(entity, tmp_path)
    assert outcome.remaining is None and outcome.reasons == {}
    assert outcome.result is not None
    assert outcome.result.rules == expected.rules
    assert outcome.result.failures_path == str(tmp_path / "vol.parquet")
    assert rows(outcome.result.failures_path) == rows(expected.failures_path)


def test_a_split_merges_into_one_result_and_one_failure_file(tmp_path) -> None:
    entity = compiled()
    backend = Limited(supports_strict_values=False, supports_regex=False)
    outcome = push(entity, backend, SNAPSHOTS, failures_dir=tmp_path, now=NOW)
    assert outcome.result is not None and outcome.remaining is not None
    assert outcome.result.failures_path == str(tmp_path / "vol.pushed.parquet")
    assert outcome.remaining.needs == ()  # the reference to org was pushed
    assert [c.name for c in outcome.remaining.checks] == ["vol.email.format", "vol.code.format"]
    [local] = DuckDBBackend(threads=1).validate(
        [outcome.remaining], {"vol": SNAPSHOTS["vol"]}, failures_dir=tmp_path, now=NOW
    )
    merged = merge(entity, outcome.result, local)
    expected = read_all(entity, tmp_path)
    assert [r.rule for r in merged.rules] == [c.name for c in entity.checks]
    assert merged.rules == expected.rules
    assert (merged.rows, merged.status) == (3, "ok")
    assert merged.message == "7 of 9 checks ran in the database"
    assert merged.failures_path == str(tmp_path / "vol.parquet")
    assert rows(merged.failures_path) == rows(expected.failures_path)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["vol.parquet"]


def test_a_backend_error_pushes_nothing(tmp_path) -> None:
    entity = compiled()
    outcome = push(entity, Broken(), SNAPSHOTS, failures_dir=tmp_path, now=NOW)
    assert outcome.result is None and outcome.remaining is entity
    assert outcome.reasons["vol.id.required"].endswith("connection refused")


@pytest.mark.parametrize("with_org", [True, False])
def test_duckdb_validates_one_entity_from_its_own_snapshots(tmp_path, with_org) -> None:
    entity = compiled()
    views = {"vol": SNAPSHOTS["vol"]} | ({"org": SNAPSHOTS["org"]} if with_org else {})
    [alone] = DuckDBBackend(threads=1).validate([entity], views, failures_dir=tmp_path, now=NOW)
    every = {r.rule: r for r in read_all(entity, tmp_path).rules}
    reference = {r.rule: r for r in alone.rules}.pop("vol.org.references")
    if with_org:
        assert alone.rules == list(every.values())
    else:
        assert reference.outcome == "error"
        assert reference.message == "entity 'org' was not read in this run"
        assert [r for r in alone.rules if r.rule != "vol.org.references"] == [
            r for r in every.values() if r.rule != "vol.org.references"
        ]
