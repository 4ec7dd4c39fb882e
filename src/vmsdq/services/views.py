"""The JSON shape of every resource, defined once: ``--format json`` and the API use these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from vmsdq.services.settings import as_pairs

if TYPE_CHECKING:  # annotations only: a validate imports none of these use cases' modules
    from vmsdq.analytics.trends import Trend
    from vmsdq.core.history import Anomaly, HistoryPoint
    from vmsdq.core.results import EntityResult, RuleResult, RunResult
    from vmsdq.core.scores import RunScores
    from vmsdq.scoring.explain import Explanation, RuleGain
    from vmsdq.services.catalog import EntityInfo, RuleInfo
    from vmsdq.services.config_diff import SettingsDiff
    from vmsdq.services.dashboard import Overview
    from vmsdq.services.editor import EditPreview
    from vmsdq.services.failures import FailureRow
    from vmsdq.services.history import Series
    from vmsdq.services.reconciliation import Mismatch, Reconciliation
    from vmsdq.services.scores import ScorePreview
    from vmsdq.services.settings import ConfigVersion
    from vmsdq.store.pages import Page
    from vmsdq.store.records import RunSummary, StepRecord

_NAMES: dict[type, tuple[str, ...]] = {}


def _flat(obj: Any) -> dict[str, Any]:
    """``asdict`` of a dataclass of plain values, without its deep copy (history series have
    thousands of points)."""
    names = _NAMES.get(type(obj))
    if names is None:
        names = _NAMES[type(obj)] = tuple(f.name for f in fields(obj))
    return {name: getattr(obj, name) for name in names}


def when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def rule_view(r: RuleResult) -> dict[str, Any]:
    return r.to_dict()


def entity_view(e: EntityResult) -> dict[str, Any]:
    return {
        "entity": e.entity,
        "rows": e.rows,
        "status": e.status,
        "message": e.message,
        "location": e.location,
        "rejected": e.rejected,
        "seconds": round(e.seconds, 3),
        "rules": [rule_view(r) for r in e.rules],
    }


def scores_view(scores: RunScores) -> dict[str, Any]:
    """Overall, band and one entry per entity with its dimension scores."""
    return {
        "overall": scores.overall,
        "band": scores.overall_band,
        "threshold": scores.overall_threshold,
        "config_version": scores.config_version,
        "label": scores.label,
        "entities": {
            name: {
                "score": e.score,
                "band": e.band,
                "threshold": e.threshold,
                "status": e.status,
                "message": e.message,
                "dimensions": {str(d): ds.score for d, ds in e.dimensions.items()},
            }
            for name, e in scores.entities.items()
        },
    }


def run_view(run: RunResult, fail_under: float | None = None) -> dict[str, Any]:
    """A run with its entity and rule results, verdict and scores."""
    payload: dict[str, Any] = {
        "run_id": run.run_id,
        "tenant": run.tenant,
        "status": str(run.status),
        "verdict": str(run.verdict(fail_under)),
        "message": run.message,
        "started_at": when(run.started_at),
        "finished_at": when(run.finished_at),
        "config_version": run.config_version,
        "score": run.overall_score,
        "entities": [entity_view(e) for e in run.entities],
    }
    if run.scoring_error:
        payload["scoring_error"] = run.scoring_error
    if run.scores is not None:
        payload["scores"] = scores_view(run.scores)
    return payload


def summary_view(s: RunSummary) -> dict[str, Any]:
    return {
        "run_id": s.run_id,
        "project": s.project,
        "status": s.status,
        "started_at": when(s.started_at),
        "finished_at": when(s.finished_at),
        "updated_at": when(s.updated_at),
        "config_version": s.config_version,
        "entities": s.entity_count,
        "rules": s.rule_count,
        "failed_rules": s.failed_rule_count,
        "score": s.score,
        "band": s.band,
        "message": s.message,
    }


def step_view(s: StepRecord) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "name": s.name,
        "status": s.status,
        "rows": s.rows,
        "rules_total": s.rules_total,
        "rules_done": s.rules_done,
        "attempts": s.attempts,
        "message": s.message,
        "started_at": when(s.started_at),
        "finished_at": when(s.finished_at),
    }


def progress_view(summary: RunSummary, steps: list[StepRecord]) -> dict[str, Any]:
    """A run's status with its progress: steps done out of all, per step detail."""
    done = sum(s.status in ("completed", "failed") for s in steps)
    return {
        **summary_view(summary),
        "progress": {
            "steps_done": done,
            "steps": len(steps),
            "percent": round(100.0 * done / len(steps), 1) if steps else 100.0,
            "rows_read": sum(s.rows for s in steps if s.kind == "read"),
        },
        "steps": [step_view(s) for s in steps],
    }


def failure_view(f: FailureRow) -> dict[str, Any]:
    return {"rule": f.rule, "key": f.key, "values": f.values, "key_parts": f.key_parts}


def anomaly_view(a: Anomaly) -> dict[str, Any]:
    return {**_flat(a), "at": when(a.at), "subject": a.subject}


def point_view(p: HistoryPoint) -> dict[str, Any]:
    return {**_flat(p), "at": when(p.at), "failure_pct": p.failure_pct}


def trend_view(name: str, t: Trend) -> dict[str, Any]:
    return {"series": name, **asdict(t), "target_date": when(t.target_date)}


def config_view(c: ConfigVersion) -> dict[str, Any]:
    return {
        "version": c.version,
        "saved": c.saved,
        "note": c.note,
        "created_at": when(c.created_at),
        "settings": as_pairs(c),
    }


def explanation_view(e: Explanation) -> dict[str, Any]:
    return {
        "scores": scores_view(e.scores),
        "entity": e.entity,
        "gains": [asdict(g) for g in e.gains],
        "text": e.lines(),
    }


def page_view(page: Page[Any], view: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of a list: its items and the cursor of the next page (null on the last)."""
    return {"items": [view(x) for x in page.items], "next_cursor": page.next_cursor}


def rule_info_view(r: RuleInfo) -> dict[str, Any]:
    return asdict(r)


def entity_info_view(e: EntityInfo, *, rules: bool = True) -> dict[str, Any]:
    out = {k: v for k, v in asdict(e).items() if k != "rules"}
    out["rule_count"] = len(e.rules)
    if rules:
        out["rules"] = [rule_info_view(r) for r in e.rules]
    return out


def gain_view(g: RuleGain) -> dict[str, Any]:
    return asdict(g)


def score_preview_view(p: ScorePreview) -> dict[str, Any]:
    return {
        "key": p.key,
        "value": p.value,
        "before": scores_view(p.before),
        "after": scores_view(p.after),
    }


def reconciliation_view(r: Reconciliation) -> dict[str, Any]:
    return asdict(r)


def mismatch_view(m: Mismatch) -> dict[str, Any]:
    return asdict(m)


def settings_diff_view(d: SettingsDiff) -> dict[str, Any]:
    return asdict(d)


def edit_preview_view(p: EditPreview) -> dict[str, Any]:
    return asdict(p)


def series_view(s: Series) -> dict[str, Any]:
    return {"series": s.name, "points": [point_view(p) for p in s.points]}


def overview_view(o: Overview) -> dict[str, Any]:
    return {
        "latest": summary_view(o.latest) if o.latest else None,
        "scores": scores_view(o.scores) if o.scores else None,
        "target": o.target,
        "trend": [point_view(p) for p in o.trend],
        "runs": [summary_view(r) for r in o.runs],
        "active": [summary_view(r) for r in o.active],
        "anomalies": [anomaly_view(a) for a in o.anomalies],
        "fix_first": [gain_view(g) for g in o.gains],
    }
