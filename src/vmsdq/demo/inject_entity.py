"""Damage one entity: every rule's defects at its rate, whole-row rules first."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vmsdq.demo.frame import Frame
from vmsdq.demo.inject import inject_field_rule, present
from vmsdq.demo.inject_rules import inject_written
from vmsdq.demo.rules import TruthRule
from vmsdq.spec.models import EntitySpec

DEFECT_RATES = {  # share of rows damaged per rule at defect_scale 1: a messy CRM
    "required": 0.20, "type": 0.12, "format": 0.20, "allowed": 0.12, "range": 0.10,
    "length": 0.08, "unique": 0.06, "references": 0.20, "reference": 0.15,
    "expression": 0.10, "aggregate": 0.18, "transition": 0.10, "parseable": 0.01,
    "row_count": 0.01, "json": 0.08, "monotonic": 0.03,
}  # fmt: skip
STALE_ENTITIES = ("school", "district")  # reference data whose sync stopped: freshness fails
MAX_RULE_SHARE = 0.4  # at most this share of an entity's rows is damaged for one rule
WHOLE_ROW_SHARE = 0.5  # at most this share is taken whole by rules reading several columns


def inject_entity(frame: Frame, spec: EntitySpec, rules: list[TruthRule], scale: float,
                  frames: dict[str, Frame], previous: Frame | None,
                  uninjected: list[str]) -> np.ndarray | None:  # fmt: skip
    """Inject the defects of ``rules`` (this entity's) into ``frame``; the rows written as
    malformed lines when a ``parseable`` rule took some, else None.

    ``frames``: the entities injected before (what references and cross-entity rules read).
    """
    malformed = None
    # rules that take whole rows first, then field rules (one defect per field and row)
    ordered = [r for r in rules if r.field is None] + [r for r in rules if r.field is not None]
    counts = _whole_row_budget(ordered, frame.n, scale)
    for rule in ordered:
        k = counts[rule.name]
        if k == 0:
            continue
        if rule.kind == "parseable":
            malformed = frame.take_rows(k)
        elif rule.field is not None:
            inject_field_rule(frame, spec, rule, k, frames)
        elif rule.kind == "transition":
            assert previous is not None
            _inject_transition(frame, previous, rule, k)
        elif rule.table:
            _inject_table(frame, rule, k)
        elif not inject_written(rule.name, frame, k, frames):
            uninjected.append(rule.name)
    if frame.entity == "volunteer" and scale > 0:
        _colliding_emails(frame)
    return malformed


def _count(n: int, kind: str, scale: float) -> int:
    """Rows to damage for one rule: ``n * rate * scale``, at least 1, at most 40 % of the rows
    (a unique rule damages two rows per injection, so at most 20 % pairs)."""
    if scale <= 0 or n <= 0:
        return 0
    per_injection = 2 if kind == "unique" else 1
    cap = max(1, int(n * MAX_RULE_SHARE) // per_injection)
    return min(cap, max(1, round(n * DEFECT_RATES.get(kind, 0.005) * scale)))


def _whole_row_budget(rules: list[TruthRule], n: int, scale: float) -> dict[str, int]:
    """Rows to damage per rule; rules taking whole rows share at most half of the rows, so
    field rules (which need rows no whole-row defect holds) always find some."""
    counts = {r.name: _count(n, r.kind, scale) for r in rules}
    whole = [r for r in rules if r.field is None and r.kind != "freshness"]
    needed = sum(counts[r.name] * (2 if r.kind == "unique" else 1) for r in whole)
    budget = WHOLE_ROW_SHARE * n
    if needed > budget:
        for r in whole:
            counts[r.name] = max(1, int(counts[r.name] * budget / needed))
    return counts


def _colliding_emails(frame: Frame) -> None:
    """Two volunteers typed the same placeholder: a format failure that also duplicates."""
    rows = frame.take_rows(2, present(frame, "email"), ["email"])
    frame.set("email", rows, ["n/a"] * len(rows))
    frame.record("volunteer.email.format", rows)


def _inject_transition(ev: Frame, prev: Frame, rule: TruthRule, k: int) -> None:
    allowed: dict[str, list[str]] = rule.opts.allowed
    status = np.asarray(ev.col("status").to_numpy(zero_copy_only=False)).astype(str)
    rows = ev.take_rows(k, ~prev.used & np.isin(status, list(allowed)))
    old = []
    for i, row in enumerate(rows):
        new = status[row]
        illegal = [s for s in allowed if s != new and new not in allowed[s]]
        old.append(illegal[i % len(illegal)])
    prev.set("status", rows, old)
    ev.record(rule.name, rows)


def _inject_table(frame: Frame, rule: TruthRule, k: int) -> None:
    if rule.kind == "freshness" and frame.entity in STALE_ENTITIES:
        field = rule.opts.field
        frame.columns[field] = pc.subtract(frame.col(field), pa.scalar(timedelta(days=12)))
        frame.table_defects.add(rule.name)
    elif rule.kind == "row_count" and rule.opts.max is not None and rule.opts.where:
        rows = frame.take_rows(k)
        if len(rows) == 0:  # every row already carries a defect (very high defect scale)
            return
        names = frame.get("name", rows).to_pylist()
        frame.set("name", rows, [f"TEST {n}" for n in names])
        frame.table_defects.add(rule.name)
    elif rule.kind == "schema" and rule.opts.kind == "forbidden_columns":
        # the export started sending a column it must not (schema drift): text, all NULL
        frame.columns[rule.opts.spec.forbidden_columns[0]] = pa.nulls(frame.n, pa.string())
        frame.table_defects.add(rule.name)
