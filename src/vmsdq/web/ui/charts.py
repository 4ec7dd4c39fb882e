"""Plotly figures as plain dicts (drawn in the browser by plotly.min.js from the installed
plotly package): score trends, dimension breakdowns, rule history."""

from __future__ import annotations

from typing import Any

from vmsdq.services.history import Series

FONT = {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2933"}


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "font": FONT,
        "margin": {"l": 48, "r": 16, "t": 40, "b": 40},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.2},
        "autosize": True,
        "height": 300,
        **extra,
    }


def trend(series: list[Series], title: str, target: float | None = None) -> dict[str, Any]:
    """One line per series (score over time), with the target as a dashed line."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": s.name,
            "x": [p.at.isoformat() for p in s.points],
            "y": [p.score for p in s.points],
        }
        for s in series
    ]
    shapes = []
    if target is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": target,
                "y1": target,
                "line": {"dash": "dash", "color": "#52606d"},
            }
        )
    layout = _layout(title, "score", shapes=shapes)
    layout["yaxis"]["range"] = [0, 100]
    return {"data": data, "layout": layout}


def bars(labels: list[str], values: list[float | None], title: str) -> dict[str, Any]:
    data = [{"type": "bar", "x": labels, "y": values, "marker": {"color": "#2f6fab"}}]
    layout = _layout(title, "score")
    layout["yaxis"]["range"] = [0, 100]
    return {"data": data, "layout": layout}


def failures(series: Series, title: str) -> dict[str, Any]:
    """A rule's failing rows and score over runs."""
    x = [p.at.isoformat() for p in series.points]
    data = [
        {"type": "bar", "name": "failing rows", "x": x, "y": [p.failed for p in series.points]},
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "score",
            "x": x,
            "y": [p.score for p in series.points],
            "yaxis": "y2",
        },
    ]
    layout = _layout(
        title,
        "failing rows",
        yaxis2={"title": {"text": "score"}, "overlaying": "y", "side": "right", "range": [0, 100]},
    )
    return {"data": data, "layout": layout}
