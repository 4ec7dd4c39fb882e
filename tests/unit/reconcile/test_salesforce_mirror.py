"""A Salesforce mirror: Ids joined in their 18-character form, recycle-bin records not live."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.core.snapshots import Snapshot
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.reconcile import compile_reconciliation
from vmsdq.reconcile.salesforce_ids import canonical_id, is_salesforce_id, join_key, to_18
from vmsdq.spec.models import EntitySpec

# Pairs from Salesforce's "15 and 18 character Ids" examples (see tests/fixtures/salesforce).
PAIRS = [("001550V000WOQZi", "001550V000WOQZiACP"), ("005R0000000UyrW", "005R0000000UyrWIAS")]


def entity() -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "volunteer_id",
            "fields": {"volunteer_id": {}, "salesforce_id": {}, "email": {}},
            "mirror": {
                "object": "Contact",
                "match_on": "salesforce_id",
                "fields": {"email": "Email"},
            },
        }
    )


def run(tmp_path: Path, ours: list[tuple[Any, ...]], theirs: pa.Table) -> dict[str, Any]:
    vms = tmp_path / "vms.parquet"
    pq.write_table(
        pa.table(
            {
                n: [r[i] for r in ours]
                for i, n in enumerate(["volunteer_id", "salesforce_id", "email"])
            }
        ),
        vms,
    )
    sf = tmp_path / "sf.parquet"
    pq.write_table(theirs, sf)
    mine = Snapshot(entity="volunteer", location=str(vms), parquet=[str(vms)])
    other = Snapshot(entity="volunteer", location=str(sf), parquet=[str(sf)])
    results = DuckDBBackend(threads=1).validate(
        compile_reconciliation(entity()),
        {"volunteer": mine, "volunteer__reconcile": mine, "volunteer__mirror": other},
        failures_dir=tmp_path / "f",
        now=datetime(2024, 6, 1, tzinfo=UTC),
    )
    assert all(r.status == "ok" for r in results), [r.message for r in results]
    out: dict[str, Any] = {"rules": {rule.rule: rule for r in results for rule in r.rules}}
    for r in results:
        for row in pq.read_table(r.failures_path).to_pylist():
            out.setdefault(row["rule"], {})[row["key"]] = json.loads(row["values"])
    return out


def test_python_forms_of_an_id() -> None:
    for short, long in PAIRS:
        assert to_18(short) == long and canonical_id(long) == long
        assert canonical_id(long.lower()) == long and canonical_id(long.upper()) == long
        assert is_salesforce_id(long) and not is_salesforce_id(short)
        assert join_key(short) == join_key(long) == join_key(long.lower())
    assert canonical_id("not-an-id") == "not-an-id" and join_key("S1") == "S1"
    with pytest.raises(ValueError, match="is not a Salesforce Id"):
        to_18("001550V000WOQZiX")


def test_15_and_18_character_forms_join(tmp_path: Path) -> None:
    ours = [
        ("V1", PAIRS[0][0], "a@x.org"),  # the VMS holds the 15-character form
        ("V2", PAIRS[1][1].lower(), "b@x.org"),  # an 18-character Id someone lower-cased
        ("V3", "003000000000001AAA9", "c@x.org"),  # not an Id: never matches
    ]
    theirs = pa.table({"Id": [p[1] for p in PAIRS], "Email": ["a@x.org", "changed@x.org"]})
    out = run(tmp_path, ours, theirs)
    assert set(out["volunteer.reconcile.missing_in_salesforce"]) == {"V3"}
    assert "volunteer.reconcile.missing_in_vms" not in out
    assert out["volunteer.reconcile.email"]["V2"]["salesforce_key"] == PAIRS[1][1].upper()


def test_records_in_the_recycle_bin_are_not_live(tmp_path: Path) -> None:
    ours = [("V1", PAIRS[0][1], "a@x.org"), ("V2", PAIRS[1][1], "b@x.org")]
    binned = "003550V000WOQZiACP"  # deleted in Salesforce, unknown to the VMS: not missing
    theirs = pa.table(
        {
            "Id": [PAIRS[0][1], PAIRS[1][1], binned],
            "Email": ["a@x.org", "other@x.org", "z@x.org"],
            "IsDeleted": [False, True, True],
        }
    )
    out = run(tmp_path, ours, theirs)
    missing = out["volunteer.reconcile.missing_in_salesforce"]
    assert missing == {
        "V2": {"salesforce_id": PAIRS[1][1], "salesforce_record": "deleted (in the recycle bin)"}
    }
    assert "volunteer.reconcile.email" not in out  # a deleted record is not compared
    assert "volunteer.reconcile.missing_in_vms" not in out
    rules = out["rules"]
    assert rules["volunteer.reconcile.missing_in_vms"].evaluated == 1
    assert rules["volunteer.reconcile.count"].observed == pytest.approx(1.0)  # 2 ours, 1 live


def test_a_mirror_without_is_deleted_is_all_live(tmp_path: Path) -> None:
    ours = [("V1", PAIRS[0][1], "a@x.org")]
    out = run(tmp_path, ours, pa.table({"Id": [PAIRS[0][1]], "Email": ["a@x.org"]}))
    assert "volunteer.reconcile.missing_in_salesforce" not in out
    assert out["rules"]["volunteer.reconcile.count"].observed == 0
