"""Demo data + drifted Salesforce copy: reconciliation finds exactly the injected drift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vmsdq.core.results import EntityResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome
from vmsdq.core.workspace import Workspace
from vmsdq.demo import generate_demo, install_pack
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.reconcile import compile_reconciliation, mirror_entity
from vmsdq.sources.registry import get_source
from vmsdq.spec.loader import load_project
from vmsdq.spec.models import Project

AS_OF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, volunteers=600, seed=11, as_of=AS_OF)
    yield load_project(folder)


def reconcile(project: Project, tmp: Path) -> list[EntityResult]:
    root = Path(project.root)
    ours_src = get_source(
        "vms", project.spec.sources["vms"], root=root, workspace=Workspace.at(tmp)
    )
    theirs_src = get_source(
        "salesforce", project.spec.sources["salesforce"], root=root, workspace=Workspace.at(tmp)
    )
    compiled, snapshots = [], {}
    for name, entity in project.entities.items():
        if entity.mirror is None:
            continue
        ours: Snapshot = ours_src.read(entity)
        # the same rows again, without the quarantined records (counted once, on <entity>)
        snapshots |= {name: ours, f"{name}__reconcile": replace(ours, rejects=[])}
        snapshots[f"{name}__mirror"] = theirs_src.read(mirror_entity(entity))
        compiled += compile_reconciliation(entity)
    return DuckDBBackend(threads=2).validate(
        compiled, snapshots, failures_dir=tmp / "failures", now=AS_OF
    )


def found_keys(results: list[EntityResult]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for result in results:
        assert result.status == "ok", result.message
        for row in pq.read_table(result.failures_path).to_pylist():
            found.setdefault(row["rule"], set()).add(row["key"])
    return found


def truth_file(project: Project) -> dict[str, set[str]]:
    table = pq.read_table(Path(project.root) / "truth" / "truth.parquet").to_pylist()
    truth: dict[str, set[str]] = {}
    for row in table:
        if ".reconcile." in row["rule"]:
            truth.setdefault(row["rule"], set()).add(row["key"])
    return truth


def test_precision_and_recall_are_one_for_every_reconciliation_rule(
    project: Project, tmp_path: Path
) -> None:
    results = reconcile(project, tmp_path)
    found = found_keys(results)
    truth = truth_file(project)
    rules = {r.rule for result in results for r in result.rules if r.kind != "reconcile_count"}
    assert len(rules) > 40 and sum(map(len, truth.values())) > 100
    for rule in sorted(rules):
        expected, got = truth.get(rule, set()), found.get(rule, set())
        assert got == expected, (
            f"{rule}: false positives {sorted(got - expected)[:5]}, "
            f"missed {sorted(expected - got)[:5]}"
        )
    outcomes = {r.rule: r for result in results for r in result.rules}
    assert all(o.outcome is not Outcome.error for o in outcomes.values())


def test_counts_pass_with_balanced_drift(project: Project, tmp_path: Path) -> None:
    results = reconcile(project, tmp_path)
    counts = [r for result in results for r in result.rules if r.kind == "reconcile_count"]
    assert len(counts) == 8
    for count in counts:
        assert count.evaluated == 1 and count.observed is not None
        assert count.observed <= 0.10, (count.rule, count.observed)


def test_drift_scale_zero_is_an_exact_copy(tmp_path: Path) -> None:
    generate_demo(tmp_path, volunteers=200, seed=3, defect_scale=0.0, as_of=AS_OF)
    project = load_project(tmp_path)
    found = found_keys(reconcile(project, tmp_path / "work"))
    assert found == {} and truth_file(project) == {}


def test_events_compared_after_filtering_by_status(tmp_path: Path) -> None:
    """A mirror filter on a mapped field applies to both sides; the truth follows it."""
    install_pack(tmp_path)
    event_file = tmp_path / "entities" / "event.yaml"
    where = "  where: \"Session_Status__c IN ('Scheduled', 'Confirmed', 'Completed')\"\n"
    text = event_file.read_text().replace(
        "  object: Session__c\n", "  object: Session__c\n" + where
    )
    event_file.write_text(text)
    generate_demo(tmp_path, volunteers=600, seed=9, as_of=AS_OF)
    project = load_project(tmp_path)
    results = reconcile(project, tmp_path / "work")
    found, truth = found_keys(results), truth_file(project)
    for rule in {r.rule for res in results for r in res.rules if r.kind != "reconcile_count"}:
        assert found.get(rule, set()) == truth.get(rule, set()), rule
    event = {r.rule: r for res in results for r in res.rules if r.entity == "event"}
    events = pq.read_metadata(tmp_path / "data" / "event.parquet").num_rows
    assert 0 < event["event.reconcile.missing_in_salesforce"].evaluated < events
