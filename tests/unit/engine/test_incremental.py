"""Incremental runs give exactly a full run's results, on random changes.

Two related entities (a team and its people) with row rules, uniqueness (single, composite,
case-insensitive), references (plain and filtered), an aggregate (team size = its people)
and conditional expressions. Each round changes a few rows at random (values, duplicates,
deletions, insertions, NULL keys) and validates the new data twice: incrementally from the
state the previous round left, and in full; every rule's counts and outcome and every
failure row must agree.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.checks import compile_entity
from vmsdq.core.results import EntityResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.engine import incremental
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.engine.incremental import Incremental
from vmsdq.engine.testing import NOW
from vmsdq.spec.models import EntitySpec

TEAM = {
    "entity": "team",
    "key": "code",
    "fields": {
        "code": {"required": True, "unique": True},
        "name": {"required": True},
        "region": {"allowed": ["north", "south"]},
        "size": {"type": "integer", "min": 0},
        "active": {"type": "boolean"},
    },
    "rules": [
        {"name": "size_matches", "type": "aggregate", "related": "person",
         "foreign_key": "team", "compare": "=", "field": "size"},
        {"name": "name_unique_in_region", "type": "unique", "columns": ["name"],
         "within": ["region"]},
        {"name": "has_rows", "type": "row_count", "min": 1},
    ],
}  # fmt: skip
PERSON = {
    "entity": "person",
    "key": "id",
    "fields": {
        "id": {"type": "integer", "required": True, "unique": True},
        "email": {"required": True, "unique": {"ignore_case": True}},
        "team": {"references": "team"},
        "age": {"type": "integer", "min": 0, "max": 120},
        "hours": {"type": "number"},
    },
    "rules": [
        {"name": "adult_hours", "type": "expression", "check": "hours <= 40",
         "when": "age >= 18"},
        {"name": "active_team", "type": "reference", "columns": ["team"], "entity": "team",
         "where": "active"},
        {"name": "email_per_team", "type": "unique", "columns": ["email", "team"]},
    ],
}  # fmt: skip
TEAMS = ["t1", "t2", "t3", "t4", "t5", "t6", None]
NAMES = ["Red", "Blue", "red", "Green", None]
EMAILS = [f"p{i}@x.org" for i in range(12)] + ["P1@X.org", "", None]


def person(rng: random.Random, key: int | None) -> dict[str, Any]:
    return {
        "id": key,
        "email": rng.choice(EMAILS),
        "team": rng.choice(TEAMS),
        "age": rng.choice([5, 17, 18, 40, 130, None]),
        "hours": rng.choice([0.0, 10.5, 40.0, 41.0, None]),
    }


def team(rng: random.Random, code: str | None) -> dict[str, Any]:
    return {
        "code": code,
        "name": rng.choice(NAMES),
        "region": rng.choice(["north", "south", "east", None]),
        "size": rng.choice([0, 1, 2, 3, -1, None]),
        "active": rng.choice([True, False, None]),
    }


def change(rng: random.Random, rows: list[dict[str, Any]], make, keys) -> list[dict[str, Any]]:
    """A few rows updated, deleted or inserted (sometimes under an existing key)."""
    out = [dict(r) for r in rows]
    for _ in range(max(1, len(out) // 12)):
        what = rng.random()
        if what < 0.6 and out:
            row = rng.choice(out)
            fresh = make(rng, row[next(iter(row))])
            field = rng.choice([f for f in fresh if f != next(iter(fresh))])
            row[field] = fresh[field]
        elif what < 0.8 and out:
            out.remove(rng.choice(out))
        else:
            out.append(make(rng, rng.choice(keys)))
    rng.shuffle(out)
    return out


def validate(
    specs: dict[str, EntitySpec],
    data: dict[str, list[dict[str, Any]]],
    folder: Path,
    state,
    person_id: pa.DataType | None = None,
) -> dict[str, EntityResult]:
    compiled = [compile_entity(s, specs) for s in specs.values()]
    schemas = {
        "team": pa.schema([("code", pa.string()), ("name", pa.string()),
                           ("region", pa.string()), ("size", pa.int64()),
                           ("active", pa.bool_())]),
        "person": pa.schema([("id", person_id or pa.int64()), ("email", pa.string()),
                             ("team", pa.string()), ("age", pa.int64()), ("hours", pa.float64())]),
    }  # fmt: skip
    snapshots = {
        name: Snapshot(
            entity=name,
            location=f"memory:{name}",
            table=pa.Table.from_pylist(rows, schema=schemas[name]),
        )
        for name, rows in data.items()
    }
    results = DuckDBBackend(threads=1).validate(
        compiled, snapshots, failures_dir=folder, now=NOW, state_dir=state
    )
    return {r.entity: r for r in results}


def seen(result: EntityResult) -> tuple[Any, ...]:
    rules = sorted(
        (r.rule, r.evaluated, r.failed, str(r.observed), r.outcome) for r in result.rules
    )
    assert result.failures_path is not None
    failures = sorted(
        (f["rule"], str(f["key"]), json.dumps(json.loads(f["values"]), sort_keys=True))
        for f in pq.read_table(result.failures_path).to_pylist()
    )
    return result.status, result.rows, rules, failures


@pytest.fixture
def partial_runs(monkeypatch: pytest.MonkeyPatch) -> list[Incremental]:
    """Every incremental evaluation (the real one), to see that it ran and on how much."""
    runs: list[Incremental] = []
    real = incremental.run_affected

    def recorded(*args: Any, **kwargs: Any) -> Incremental:
        runs.append(real(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(incremental, "run_affected", recorded)
    return runs


@pytest.mark.parametrize("seed", range(6))
def test_incremental_runs_equal_full_runs_on_random_changes(
    seed: int, tmp_path: Path, partial_runs: list[Incremental]
) -> None:
    rng = random.Random(seed)
    specs = {"team": EntitySpec.model_validate(TEAM), "person": EntitySpec.model_validate(PERSON)}
    team_keys = [t for t in TEAMS if t] + ["t7", None]
    person_keys: list[int | None] = [*range(60), None]
    data = {
        "team": [team(rng, code) for code in TEAMS[:-1]],
        "person": [person(rng, n) for n in range(48)],
    }
    state = tmp_path / "state"
    first = validate(specs, data, tmp_path / "r0", state)
    assert {r.status for r in first.values()} == {"ok"}
    for round_ in range(1, 5):
        data = {
            "team": change(rng, data["team"], team, team_keys),
            "person": change(rng, data["person"], person, person_keys),
        }
        incremental = validate(specs, data, tmp_path / f"inc{round_}", state)
        full = validate(specs, data, tmp_path / f"full{round_}", None)
        for name in specs:
            assert seen(incremental[name]) == seen(full[name]), (seed, round_, name)
    assert len(partial_runs) == 8  # both entities, every round after the first
    assert sum(r.affected for r in partial_runs) < sum(r.rows for r in partial_runs)


def test_a_changed_rule_runs_in_full_and_still_matches(tmp_path: Path) -> None:
    rng = random.Random(99)
    data = {
        "team": [team(rng, c) for c in TEAMS[:-1]],
        "person": [person(rng, n) for n in range(30)],
    }
    specs = {"team": EntitySpec.model_validate(TEAM), "person": EntitySpec.model_validate(PERSON)}
    validate(specs, data, tmp_path / "r0", tmp_path / "state")
    stricter = dict(PERSON, rules=[*PERSON["rules"], {"name": "young", "type": "expression",
                                                      "check": "age < 60"}])  # fmt: skip
    specs["person"] = EntitySpec.model_validate(stricter)
    incremental = validate(specs, data, tmp_path / "inc", tmp_path / "state")
    full = validate(specs, data, tmp_path / "full", None)
    assert seen(incremental["person"]) == seen(full["person"])
    assert "person.young" in {r.rule for r in incremental["person"].rules}


# ids as a CSV gives them: some do not cast to the integer the key is declared as, some are
# other spellings of one integer; each is a key of its own, in full and incremental runs
TEXT_IDS = ["17.5", "0x1F", "1e3", "", " 2", "2.0", "+2", "99999999999999999999", "abc"]


@pytest.mark.parametrize("seed", range(3))
def test_keys_that_do_not_cast_run_incrementally_as_in_full(
    seed: int, tmp_path: Path, partial_runs: list[Incremental]
) -> None:
    rng = random.Random(seed)
    specs = {"team": EntitySpec.model_validate(TEAM), "person": EntitySpec.model_validate(PERSON)}
    team_keys = [t for t in TEAMS if t] + ["t7", None]
    person_keys: list[str | None] = [*TEXT_IDS, *map(str, range(30)), None]
    data = {
        "team": [team(rng, code) for code in TEAMS[:-1]],
        "person": [person(rng, key) for key in [*TEXT_IDS, *map(str, range(20))]],
    }
    state = tmp_path / "state"
    validate(specs, data, tmp_path / "r0", state, pa.string())
    for round_ in range(1, 4):
        data = {
            "team": change(rng, data["team"], team, team_keys),
            "person": change(rng, data["person"], person, person_keys),
        }
        incremental = validate(specs, data, tmp_path / f"inc{round_}", state, pa.string())
        full = validate(specs, data, tmp_path / f"full{round_}", None, pa.string())
        assert seen(incremental["person"]) == seen(full["person"]), (seed, round_)
        keys = {f[1] for f in seen(full["person"])[3]}
        ids = {row["id"] for row in data["person"]}
        # each fails the type, required or unique rule, under its own text
        assert {k for k in TEXT_IDS if k in ids} <= keys
    assert len(partial_runs) == 6
