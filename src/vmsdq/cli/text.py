"""Plain-text renderings of scores, history, trends and settings for the command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vmsdq.analytics.trends import Trend
from vmsdq.core.history import HistoryPoint
from vmsdq.core.scores import RunScores
from vmsdq.scoring.settings import flatten
from vmsdq.services.scores import ScorePreview
from vmsdq.services.settings import ConfigVersion


def num(value: float | None, fmt: str = ".1f", signed: bool = False) -> str:
    if value is None:
        return "-"
    return format(value, ("+" if signed else "") + fmt)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def scores_lines(scores: RunScores) -> list[str]:
    out = [
        f"run {scores.run_id}: config v{scores.config_version}, {scores.label}",
        f"overall {num(scores.overall)} ({scores.overall_band or 'no score'})",
    ]
    rows = [
        [
            e.entity,
            num(e.score),
            e.band or e.status,
            f"{e.threshold:g}",
            f"{e.weight:g}",
            ", ".join(f"{d.dimension} {num(d.score)}" for d in e.dimensions.values()),
        ]
        for e in scores.entities.values()
    ]
    out += table(["entity", "score", "band", "threshold", "weight", "dimensions"], rows)
    out += [
        f"excluded: {r.rule} ({r.status}{': ' + r.message if r.message else ''})"
        for r in scores.excluded_rules
    ]
    out += [f"no score: {e.entity} ({e.status}: {e.message})" for e in scores.unscored_entities]
    return out


def history_lines(points: Sequence[HistoryPoint], what: str) -> list[str]:
    rows = [
        [
            f"{p.at:%Y-%m-%d %H:%M}",
            p.run_id,
            num(p.score),
            num(p.failed, "d"),
            num(p.evaluated, "d"),
            num(p.rows, "d"),
            p.config_version or "-",
        ]
        for p in points
    ]
    return [
        f"{what} ({len(points)} runs)",
        *table(["started", "run", "score", "failed", "evaluated", "rows", "config"], rows),
    ]


def trend_lines(trends: Sequence[tuple[str, Trend]], tolerance: float) -> list[str]:
    rows = [
        [
            name,
            num(t.last),
            num(t.change_previous, signed=True),
            num(t.change_7d, signed=True),
            num(t.change_30d, signed=True),
            num(t.slope_per_day, ".2f", signed=True),
            t.direction,
        ]
        for name, t in trends
    ]
    out = table(["series", "last", "vs prev", "vs 7d", "vs 30d", "slope/day", "direction"], rows)
    out.append(f"stable = slope within +/-{tolerance:g} points/day (least squares, last 30 days)")
    out += [f"{name}: {t.target_note}" for name, t in trends]
    return out


def settings_lines(config: ConfigVersion) -> list[str]:
    when = f"{config.created_at:%Y-%m-%d %H:%M} UTC" if config.created_at else "not recorded yet"
    out = [f"config v{config.version} ({config.note}; {when})"]
    out += [f"{k} = {'null' if v is None else v}" for k, v in flatten(config.settings).items()]
    return out


def config_history_lines(configs: Sequence[ConfigVersion]) -> list[str]:
    rows = [
        [f"v{c.version}", f"{c.created_at:%Y-%m-%d %H:%M}" if c.created_at else "pending", c.note]
        for c in configs
    ]
    return table(["version", "created (UTC)", "change"], rows)


def preview_lines(p: ScorePreview) -> list[str]:
    """Before and after, overall and per entity, with the change."""
    rows = [
        [
            "overall",
            num(p.before.overall),
            num(p.after.overall),
            _delta(p.before.overall, p.after.overall),
            p.after.overall_band or "-",
        ]
    ]
    for name, before in p.before.entities.items():
        after = p.after.entities.get(name)
        new = after.score if after is not None else None
        band = (after.band if after is not None else None) or "-"
        rows.append([name, num(before.score), num(new), _delta(before.score, new), band])
    return [
        f"preview of {p.key} = {p.value} on run {p.before.run_id} (nothing saved)",
        *table(["scope", "now", "with change", "change", "band"], rows),
    ]


def _delta(before: float | None, after: float | None) -> str:
    return num(after - before, signed=True) if before is not None and after is not None else "-"
