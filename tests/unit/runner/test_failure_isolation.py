"""A source that cannot be read marks only its entity (and rules reading it) as error."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmsdq.core.results import RunResult
from vmsdq.core.words import Outcome
from vmsdq.demo import generate_demo
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now


@pytest.fixture
def project(tmp_path: Path) -> Path:
    generate_demo(tmp_path, volunteers=200, seed=3, write_truth=False, salesforce=True)
    return tmp_path


def _by_entity(run: RunResult) -> dict:  # type: ignore[type-arg]
    return {e.entity: e for e in run.entities}


def test_missing_entity_file_errors_that_entity_and_the_rest_runs(project: Path) -> None:
    (project / "data" / "school.parquet").unlink()

    run = run_now(scratch_context(load(project)))

    assert run.status == "completed"
    entities = _by_entity(run)
    school = entities["school"]
    assert school.status == "error"
    assert "school" in school.message and "school.parquet" in school.message
    assert school.rules and all(r.outcome is Outcome.error for r in school.rules)
    volunteer = entities["volunteer"]
    assert volunteer.status == "ok"
    assert all(r.outcome is not Outcome.error for r in volunteer.rules)
    # rules of other entities that read school are errors; their other rules still ran
    student = entities["student"]
    errored = {r.rule for r in student.rules if r.outcome is Outcome.error}
    assert errored and all("school" in name for name in errored)
    assert any(r.outcome is not Outcome.error for r in student.rules)


def test_missing_mirror_errors_only_the_reconciliation_rules(project: Path) -> None:
    (project / "salesforce" / "Contact_volunteer.parquet").unlink()

    run = run_now(scratch_context(load(project)))

    volunteer = _by_entity(run)["volunteer"]
    assert volunteer.rows == 200
    reconcile = [r for r in volunteer.rules if ".reconcile." in r.rule]
    own = [r for r in volunteer.rules if ".reconcile." not in r.rule]
    assert reconcile and all(r.outcome is Outcome.error for r in reconcile)
    assert "Contact_volunteer.parquet" in reconcile[0].message
    assert own and all(r.outcome is not Outcome.error for r in own)
    assert "Contact_volunteer.parquet" in volunteer.message
