"""Drift rules: a column's distribution against a reference run's.

Numbers (and dates, timestamps as epoch seconds): ``ks`` is the two-sample
Kolmogorov-Smirnov statistic D (what ``scipy.stats.ks_2samp`` reports); ``psi`` bins both
sides at the reference's quantiles. Categories (text, booleans, or any field under
``chi_square``): the count of each distinct value; ``chi_square`` is the p-value of Pearson's
test that both runs draw from one distribution (the 2 x values table, as
``scipy.stats.chi2_contingency(..., correction=False)``), ``psi`` the population stability
index of the proportions (each at least 0.0001). Only present values take part (not NULL,
text not blank).

The statistics are a few lines of numpy over ``scipy.special`` (the chi-square survival
function, relative entropy): importing ``scipy.stats`` costs a run 0.6 s more, once per
process (tests/unit/checks/test_drift.py compares both with scipy.stats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
from sqlglot import exp

from vmsdq.checks.exact import exact_cast
from vmsdq.checks.model import Check, CompiledEntity, Distribution
from vmsdq.checks.sql import col, is_present, table

DriftOutcome = tuple[float | None, bool]  # observed, failed
FLOOR = 1e-4  # smallest proportion in a PSI (a value absent on one side)


def run_drift_checks(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, checks: Sequence[Check]
) -> tuple[dict[str, DriftOutcome], dict[str, str], dict[str, str]]:
    """Outcomes by check name, error messages, and why a check was skipped (no values)."""
    outcomes: dict[str, DriftOutcome] = {}
    errors: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for check in checks:
        test = check.distribution
        assert test is not None
        try:
            current = _values(con, entity, entity.name, test)
            reference = _values(con, entity, test.reference, test)
        except duckdb.Error as error:
            errors[check.name] = f"drift: cannot read the values: {error}"
            continue
        if _empty(current) or _empty(reference):
            side = "this run" if _empty(current) else "the reference run"
            skipped[check.name] = f"no reference values to compare: {side} has no '{test.column}'"
            continue
        observed = statistic(test, current, reference)
        below = test.method == "chi_square"  # a p-value: drift when it is small
        failed = observed < test.threshold if below else observed > test.threshold
        outcomes[check.name] = (observed, failed)
    return outcomes, errors, skipped


def statistic(test: Distribution, current: Any, reference: Any) -> float:
    """The rule's observed value: D (ks), PSI (psi) or the p-value (chi_square)."""
    from scipy import special

    if test.numeric and test.method == "ks":
        return ks_statistic(current, reference)
    if test.numeric:  # psi over quantile bins of the reference
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, test.bins + 1))[1:-1])
        here = _binned(edges, current)
        return _psi(here, _binned(edges, reference), special)
    values = sorted(set(current) | set(reference))
    here = np.array([current.get(v, 0) for v in values], dtype=float)
    there = np.array([reference.get(v, 0) for v in values], dtype=float)
    if test.method == "psi":
        return _psi(here, there, special)
    if len(values) < 2:
        return 1.0  # one value on both sides: the same distribution
    return chi_square_pvalue(np.vstack([here, there]), special)


def ks_statistic(current: Any, reference: Any) -> float:
    """The largest distance between the two empirical distribution functions."""
    a, b = np.sort(current), np.sort(reference)
    points = np.concatenate([a, b])
    here = np.searchsorted(a, points, side="right") / len(a)
    there = np.searchsorted(b, points, side="right") / len(b)
    return float(np.max(np.abs(here - there)))


def chi_square_pvalue(observed: Any, special: Any) -> float:
    """Pearson's test of independence of a table of counts (no continuity correction)."""
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return float(special.chdtrc(dof, chi2))


def _binned(edges: Any, values: Any) -> Any:
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)


def _psi(here: Any, there: Any, special: Any) -> float:
    p = np.maximum(here / here.sum(), FLOOR)
    q = np.maximum(there / there.sum(), FLOOR)
    return float(np.sum(special.rel_entr(p, q) + special.rel_entr(q, p)))


def _values(
    con: duckdb.DuckDBPyConnection, entity: CompiledEntity, view: str, test: Distribution
) -> Any:
    """Numbers as a float array, or categories as value -> count."""
    spec = next(c for c in entity.columns if c.name == test.column)
    typed = exact_cast(col(test.column, None), spec.sql_type)
    present = is_present(typed, text=spec.sql_type == "VARCHAR")
    if test.numeric:
        number = typed if spec.sql_type in ("BIGINT", "DOUBLE") else exp.func("EPOCH", typed)
        value = exp.alias_(exp.cast(number, "DOUBLE"), "v", quoted=True)
        query = exp.select(value).from_(table(view)).where(present)
        found = con.execute(query.sql(dialect="duckdb")).fetchnumpy()["v"]
        return np.asarray(found, dtype=float)
    text = exp.cast(typed, "VARCHAR")
    query = (
        exp.select(exp.alias_(text, "v", quoted=True), exp.Count(this=exp.Star()))
        .from_(table(view))
        .where(present)
        .group_by(text.copy())
    )
    return {str(v): int(n) for v, n in con.execute(query.sql(dialect="duckdb")).fetchall()}


def _empty(values: Any) -> bool:
    return len(values) == 0
