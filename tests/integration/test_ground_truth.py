"""End to end: validating the demo project finds exactly the generator's ground truth.

For every rule of the VMS pack the failing keys the engine reports must equal the keys in
truth/truth.parquet (precision = recall = 1.0). The truth is computed by the demo's own
Python oracle, never by the engine.

Drift rules need a reference run: each scale first validates the clean data (defect scale 0,
same seed) the day before, then the damaged data; the oracle compares the two in Python.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from vmsdq.core.results import RuleResult, RunResult
from vmsdq.core.tolerance import tolerance_of
from vmsdq.demo import generate_demo
from vmsdq.demo.generate import load_entity_specs
from vmsdq.demo.oracle import Rows, drift_outcome, metric_change_fails, metric_value
from vmsdq.demo.rules import expand_project
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now

AS_OF = datetime(2026, 3, 14, 9, 30)
VOLUNTEERS = 1500
REFERENCED = ("participation",)  # entities of the reference run (those with drift rules)


@pytest.fixture(scope="module", params=[1.0, 10.0], ids=["scale1", "scale10"])
def demo_run(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[Path, RunResult]:
    project = tmp_path_factory.mktemp("ground_truth")
    generate_demo(project, volunteers=VOLUNTEERS, seed=7, as_of=AS_OF, defect_scale=0)
    ctx = scratch_context(load(project))
    # the reference run of the drift rules (all on participation): yesterday, clean data
    run_now(ctx, entities=list(REFERENCED), now=AS_OF - timedelta(days=1))
    for entity in REFERENCED:
        (project / "reference").mkdir(exist_ok=True)
        shutil.copy(project / "data" / f"{entity}.parquet", project / "reference")
    shutil.rmtree(project / "data")  # a new export replaces the files (snapshots link them)
    manifest = generate_demo(
        project, volunteers=VOLUNTEERS, seed=7, as_of=AS_OF, defect_scale=request.param
    )
    assert manifest.missing == [], "injected defects the oracle did not confirm"
    run = run_now(ctx, now=AS_OF)
    return project, run


def _truth(project: Path) -> dict[str, set[str]]:
    table = pq.read_table(project / "truth" / "truth.parquet").to_pylist()
    out: dict[str, set[str]] = defaultdict(set)
    for row in table:
        out[row["rule"]].add(row["key"])
    return out


def _found(run: RunResult) -> tuple[dict[str, set[str]], dict[str, RuleResult]]:
    """Failing keys per rule from every failure file of the run, and each rule's result.

    Helper entities (``volunteer__reconcile``...) write their own file next to the entity's.
    """
    failing: dict[str, set[str]] = defaultdict(set)
    results: dict[str, RuleResult] = {}
    folders = set()
    for entity in run.entities:
        for rule in entity.rules:
            results[rule.rule] = rule
        if entity.failures_path:
            folders.add(Path(entity.failures_path).parent)
    for path in sorted(p for folder in folders for p in folder.glob("*.parquet")):
        for row in pq.read_table(path, columns=["rule", "key"]).to_pylist():
            failing[row["rule"]].add("" if row["key"] is None else row["key"])
    return failing, results


def _diff(rule: str, found: set[str], truth: set[str]) -> str:
    extra, missed = sorted(found - truth), sorted(truth - found)
    return (
        f"{rule}: {len(found)} failing vs {len(truth)} in truth; "
        f"not in truth (false positives) {extra[:8]}{'...' if len(extra) > 8 else ''}; "
        f"missed (false negatives) {missed[:8]}{'...' if len(missed) > 8 else ''}"
    )


def test_every_entity_validated_without_errors(demo_run: tuple[Path, RunResult]) -> None:
    _, run = demo_run
    broken = [(e.entity, e.message) for e in run.entities if e.status != "ok"]
    assert not broken


def test_every_rule_matches_the_ground_truth(demo_run: tuple[Path, RunResult]) -> None:
    project, run = demo_run
    truth = _truth(project)
    failing, results = _found(run)
    specs = load_entity_specs(project)
    rules = [r for r in expand_project(specs) if r.kind != "drift"]  # test_drift_...
    data, reference = _final_rows(project, specs), _final_rows(project, specs, "reference")
    problems = []
    for rule in rules:
        if rule.name not in results:
            problems.append(f"{rule.name}: missing from the run's results")
            continue
        result = results[rule.name]
        expected = truth.get(rule.name, set())
        if rule.table:
            failed = result.failed > 0
            if _change_fails(rule, data, reference):
                expected = {""}
            if failed != bool(expected):
                problems.append(f"{rule.name}: table rule failed={failed}, truth={bool(expected)}")
            continue
        found = failing.get(rule.name, set())
        if found != expected:
            problems.append(_diff(rule.name, found, expected))
        elif result.failed < len(expected):
            problems.append(f"{rule.name}: failed count {result.failed} < {len(expected)} keys")
    assert not problems, f"{len(problems)} of {len(rules)} rules differ:\n" + "\n".join(problems)


def test_tolerances_decide_outcomes_from_the_true_failure_counts(
    demo_run: tuple[Path, RunResult],
) -> None:
    """A rule with fail_when / warn_when / mostly: the outcome its tolerance gives for the
    true number of failing keys (``vmsdq.core.tolerance``), whatever its severity."""
    project, run = demo_run
    truth = _truth(project)
    _, results = _found(run)
    tolerant = [r for r in expand_project(load_entity_specs(project))
                if any(getattr(r.opts, k, None) is not None
                       for k in ("fail_when", "warn_when", "mostly"))]  # fmt: skip
    assert tolerant, "the pack declares no tolerance"
    for rule in tolerant:
        opts, result = rule.opts, results[rule.name]
        tolerance = tolerance_of(opts.fail_when, opts.warn_when, opts.mostly)
        assert tolerance is not None
        expected = tolerance.outcome(result.evaluated, len(truth.get(rule.name, set())))
        assert result.outcome is expected, f"{rule.name}: {result.outcome} != {expected}"


def test_metric_values_equal_the_oracles(demo_run: tuple[Path, RunResult]) -> None:
    """Each metric check's observed value is the one the Python oracle computes."""
    project, run = demo_run
    _, results = _found(run)
    specs = load_entity_specs(project)
    data = _final_rows(project, specs)
    metrics = [r for r in expand_project(specs) if r.kind == "metric"]
    assert metrics
    for rule in metrics:
        expected = metric_value(rule, data[rule.entity])
        assert results[rule.name].observed == pytest.approx(expected), rule.name


def _change_fails(rule: Any, data: dict[str, Rows], reference: dict[str, Rows]) -> bool:
    """A metric's change limit against the reference run's value (its only history)."""
    if rule.kind != "metric" or rule.opts.change is None or rule.entity not in reference:
        return False
    baseline = metric_value(rule, reference[rule.entity])
    return metric_change_fails(rule, metric_value(rule, data[rule.entity]), baseline)


def test_drift_outcomes_equal_the_oracles(demo_run: tuple[Path, RunResult]) -> None:
    """Each drift rule's statistic and outcome against the reference run are the ones the
    Python oracle computes (scipy) from the clean and the damaged rows."""
    project, run = demo_run
    _, results = _found(run)
    specs = load_entity_specs(project)
    data, reference = _final_rows(project, specs), _final_rows(project, specs, "reference")
    drifts = [r for r in expand_project(specs) if r.kind == "drift"]
    assert drifts
    for rule in drifts:
        expected = drift_outcome(rule, data[rule.entity], reference[rule.entity])
        assert expected is not None, rule.name
        result = results[rule.name]
        assert result.observed == pytest.approx(expected[0]), rule.name
        assert (result.failed == 1) is expected[1], f"{rule.name}: {result.outcome}"
        assert result.outcome.value == ("warn" if expected[1] else "passed"), rule.name


def _final_rows(project: Path, specs: dict[str, Any], folder: str = "data") -> dict[str, Rows]:
    """The oracle's rows of the Parquet entities, read back from the demo's files."""
    out = {}
    for name, spec in specs.items():
        path = project / folder / (spec.sources["vms"].path or f"{name}.parquet")
        if path.suffix == ".parquet" and path.exists():
            table = pq.read_table(path)
            out[name] = Rows(spec=spec, raw={f: table.column(f).to_pylist() for f in spec.fields})
    return out


def test_quarantined_lines_are_reported_once(demo_run: tuple[Path, RunResult]) -> None:
    _, run = demo_run
    failing, results = _found(run)
    reporting = sorted(
        name for name in results if name.endswith(".record.parseable") and failing.get(name)
    )
    assert reporting == ["teacher.record.parseable"]


def test_truth_covers_injected_defects_of_every_rule_kind(demo_run: tuple[Path, RunResult]) -> None:
    project, _ = demo_run
    truth = _truth(project)
    kinds = {r.kind for r in expand_project(load_entity_specs(project)) if r.name in truth}
    assert kinds >= {"required", "type", "format", "allowed", "range", "length", "unique",
                     "references", "reference", "expression", "aggregate", "transition",
                     "row_count", "freshness", "parseable", "metric", "schema", "json",
                     "monotonic"}  # fmt: skip


def test_reconciliation_rules_match_the_salesforce_truth(demo_run: tuple[Path, RunResult]) -> None:
    """Rules derived from the pack's ``mirror:`` mappings, truth from salesforce_copy."""
    project, run = demo_run
    truth = _truth(project)
    failing, results = _found(run)
    reconcile = sorted(name for name in results if ".reconcile." in name)  # count: table rule
    assert reconcile, "no reconciliation rules ran"
    problems = [
        _diff(name, failing.get(name, set()), truth.get(name, set()))
        for name in reconcile
        if results[name].kind != "reconcile_count"
        and failing.get(name, set()) != truth.get(name, set())
    ]
    assert not problems, "\n".join(problems)
