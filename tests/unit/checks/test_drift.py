"""drift: a column's distribution against a reference run (KS, chi-square, PSI with scipy)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import NormalDist

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigErrors
from vmsdq.core.words import Dimension, Outcome, Severity
from vmsdq.engine.testing import TableCase
from vmsdq.services import runs
from vmsdq.services.context import open_context

FIELDS = {"id": {}, "age": {"type": "integer"}, "status": {}}


def _rows(ages: list[int], statuses: list[str]) -> list[dict[str, str]]:
    return [
        {"id": str(i), "age": str(a), "status": s}
        for i, (a, s) in enumerate(zip(ages, statuses, strict=True))
    ]


def _sample(shift: int, active: float, n: int = 400) -> list[dict[str, str]]:
    """Ages spread like N(40 + shift, 8), a share ``active`` of statuses Active, shuffled."""
    normal = NormalDist(40 + shift, 8)
    ages = [round(normal.inv_cdf((i + 0.5) / n)) for i in range(n)]
    statuses = ["Active" if i < active * n else "Inactive" for i in range(n)]
    random.Random(n).shuffle(statuses)
    return _rows(ages, statuses)


RULES = [
    {"name": "age_ks", "type": "drift", "field": "age"},
    {"name": "age_psi", "type": "drift", "field": "age", "method": "psi"},
    {"name": "status_chi", "type": "drift", "field": "status"},
    {"name": "status_psi", "type": "drift", "field": "status", "method": "psi", "threshold": 0.1},
]


def test_the_same_distribution_passes(tmp_path: Path) -> None:
    case = TableCase("p", FIELDS, RULES).rows(*_sample(0, 0.7)).reference(*_sample(0, 0.7, 300))
    result = case.run(tmp_path)
    for name in ("p.age_ks", "p.age_psi", "p.status_chi", "p.status_psi"):
        rule = result.rule(name)
        assert (rule.evaluated, rule.failed, rule.outcome) == (1, 0, Outcome.passed), name
    ks = result.rule("p.age_ks")
    assert ks.observed is not None and ks.observed < 0.02  # 400 and 300 values of N(40, 8)
    assert (ks.dimension, ks.severity) == (Dimension.consistency, Severity.warning)
    assert result.rule("p.status_chi").observed > 0.9  # a p-value: 70 % Active on both sides


def test_a_shifted_distribution_fails(tmp_path: Path) -> None:
    case = TableCase("p", FIELDS, RULES).rows(*_sample(10, 0.3)).reference(*_sample(0, 0.7))
    result = case.run(tmp_path)
    for name in ("p.age_ks", "p.age_psi", "p.status_chi", "p.status_psi"):
        rule = result.rule(name)
        assert (rule.evaluated, rule.failed, rule.outcome) == (1, 1, Outcome.warn), name
    assert result.rule("p.age_ks").observed > 0.4
    assert result.rule("p.status_chi").observed < 1e-6
    assert result.rule("p.status_psi").observed > 0.3


def test_known_values_of_the_statistics(tmp_path: Path) -> None:
    rows = _rows([1, 2, 3, 4], ["a", "a", "b", "b"])
    reference = _rows([3, 4, 5, 6], ["a", "a", "a", "b"])
    rules = [RULES[0], RULES[3]]
    result = TableCase("p", FIELDS, rules).rows(*rows).reference(*reference).run(tmp_path)
    assert result.rule("p.age_ks").observed == pytest.approx(0.5)
    # proportions 0.5/0.5 against 0.75/0.25
    expected = (0.5 - 0.75) * math.log(0.5 / 0.75) + (0.5 - 0.25) * math.log(0.5 / 0.25)
    assert result.rule("p.status_psi").observed == pytest.approx(expected)


def test_nulls_and_blanks_take_no_part(tmp_path: Path) -> None:
    rows = [{"id": "1", "status": "a"}, {"id": "2", "status": " "}, {"id": "3"}]
    reference = [{"id": "1", "status": "a"}]
    rules = [RULES[2]]
    rule = TableCase("p", FIELDS, rules).rows(*rows).reference(*reference).run(tmp_path)
    assert rule.rule("p.status_chi").failed == 0
    empty = TableCase("p", FIELDS, [RULES[0]]).rows(*rows).reference(*reference).run(tmp_path)
    skipped = empty.rule("p.age_ks")
    assert (skipped.outcome, skipped.message) == (
        Outcome.skipped,
        "no reference values to compare: this run has no 'age'",
    )


def test_without_a_reference_the_rule_is_skipped(tmp_path: Path) -> None:
    rule = TableCase("p", FIELDS, RULES[:1]).rows(*_sample(0, 0.5)).run(tmp_path).rule("p.age_ks")
    assert (rule.evaluated, rule.outcome) == (0, Outcome.skipped)
    assert rule.message == "no reference run with a snapshot of 'p' (nothing to compare)"


def test_ks_on_text_is_a_config_error(tmp_path: Path) -> None:
    rules = [{"name": "bad", "type": "drift", "field": "status", "method": "ks"}]
    with pytest.raises(ConfigErrors, match="method 'ks' compares numbers, dates or timestamps"):
        TableCase("p", FIELDS, rules).run(tmp_path)


PROJECT = """\
name: drift
sources:
  data: {type: files, path: data}
default_source: data
"""
ENTITY = """\
entity: person
key: id
sources:
  data: {path: person.csv}
fields:
  id: {required: true}
  age: {type: integer}
rules:
  - {name: age_drift, type: drift, field: age}
"""


def test_runs_compare_with_the_previous_completed_run(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "entities" / "person.yaml").write_text(ENTITY, encoding="utf-8")
    csv = tmp_path / "data" / "person.csv"

    def write(shift: int) -> None:
        rows = _sample(shift, 0.5)
        csv.write_text("id,age\n" + "".join(f"{r['id']},{r['age']}\n" for r in rows), "utf-8")

    ctx = open_context(tmp_path)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    write(0)
    first = runs.run_now(ctx, now=start)
    rule = next(r for e in first.entities for r in e.rules if r.rule == "person.age_drift")
    assert rule.outcome is Outcome.skipped  # no run before it
    write(0)  # the same rows again
    second = runs.run_now(ctx, now=start + timedelta(days=1))
    rule = next(r for e in second.entities for r in e.rules if r.rule == "person.age_drift")
    assert (rule.outcome, rule.observed) == (Outcome.passed, 0.0)  # the same data
    write(15)
    third = runs.run_now(ctx, now=start + timedelta(days=2))
    rule = next(r for e in third.entities for r in e.rules if r.rule == "person.age_drift")
    assert rule.outcome is Outcome.warn and rule.observed is not None and rule.observed > 0.5
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output


def test_a_named_reference_run_is_a_fixed_baseline(tmp_path: Path) -> None:
    """``reference: <run id>`` compares with that run, not the previous one; a run id that
    does not exist gives outcome error with the reason, never passed."""
    (tmp_path / "data").mkdir()
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    entity = tmp_path / "entities" / "person.yaml"
    entity.write_text(ENTITY, encoding="utf-8")
    csv = tmp_path / "data" / "person.csv"

    def write(shift: int) -> None:
        rows = _sample(shift, 0.5)
        csv.write_text("id,age\n" + "".join(f"{r['id']},{r['age']}\n" for r in rows), "utf-8")

    def drift(run: object) -> object:
        return next(r for e in run.entities for r in e.rules if r.rule == "person.age_drift")  # type: ignore[attr-defined]

    ctx = open_context(tmp_path)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    write(0)
    baseline = runs.run_now(ctx, now=start)
    write(15)
    runs.run_now(ctx, now=start + timedelta(days=1))
    pinned = ENTITY.replace("field: age}", f"field: age, reference: {baseline.run_id}}}")
    entity.write_text(pinned, encoding="utf-8")
    ctx = open_context(tmp_path)
    third = drift(runs.run_now(ctx, now=start + timedelta(days=2)))
    assert third.outcome is Outcome.warn and third.observed > 0.5  # the previous run: D = 0
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output

    entity.write_text(pinned.replace(baseline.run_id, "20990101T000000-abcdef"), "utf-8")
    ctx = open_context(tmp_path)
    gone = drift(runs.run_now(ctx, now=start + timedelta(days=3)))
    assert (gone.outcome, gone.observed) == (Outcome.error, None)
    assert gone.message == "reference run 20990101T000000-abcdef does not exist"


def test_a_reference_that_is_not_a_run_id_fails_the_check(tmp_path: Path) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    bad = ENTITY.replace("field: age}", "field: age, reference: last_week}")
    path = tmp_path / "entities" / "person.yaml"
    path.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{path}:" in result.output and "reference" in result.output
    assert "previous|" in result.output  # the pattern says what is expected


def test_one_reference_run_per_entity(tmp_path: Path) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(PROJECT, encoding="utf-8")
    two = (
        ENTITY
        + "  - {name: age_vs_baseline, type: drift, field: age,\n"
        + "     reference: 20260301T000000-abcdef}\n"
    )
    (tmp_path / "entities" / "person.yaml").write_text(two, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "the drift rules of one entity compare with one reference run" in result.output


def test_the_statistics_equal_scipy_stats() -> None:
    """engine.drift computes KS and chi-square without scipy.stats (0.6 s of import); both
    agree with scipy.stats on samples with ties, unequal sizes and sparse categories."""
    import numpy as np
    from scipy import special, stats

    from vmsdq.engine.drift import chi_square_pvalue, ks_statistic

    generator = np.random.default_rng(7)
    for _ in range(200):
        # integers (many ties) against reals, of unequal sizes
        a = generator.integers(0, generator.integers(2, 50), generator.integers(1, 300))
        b = generator.normal(20, 10, generator.integers(1, 300)).round(
            int(generator.integers(0, 3))
        )
        assert ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
        k = int(generator.integers(2, 12))
        table = generator.integers(0, 40, (2, k)).astype(float)
        table[:, 0] += 1  # no empty row
        table = table[:, table.sum(axis=0) > 0]  # a value is seen on one side at least
        if table.shape[1] < 2:
            continue
        expected = stats.chi2_contingency(table, correction=False).pvalue
        assert chi_square_pvalue(table, special) == pytest.approx(expected, rel=1e-9, abs=1e-15)
