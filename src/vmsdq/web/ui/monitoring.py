"""The monitoring page: the figures of ``/metrics`` over time (the samples of
``services.monitoring``) and as they are now, with the state of the database, broker and
cache."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, render_template

from vmsdq.services import health, metrics, monitoring
from vmsdq.web.state import ctx, web_state
from vmsdq.web.ui import bp
from vmsdq.web.ui.charts import FONT

TOP_ROUTES = 6  # the busiest routes get a line each on the latency chart
_NO_DATA = {
    "text": "nothing recorded in these samples yet",
    "xref": "paper",
    "yref": "paper",
    "x": 0.5,
    "y": 0.5,
    "showarrow": False,
    "font": {"color": "#52606d"},
}


@bp.get("/monitoring")
def monitoring_page() -> str:
    context = ctx()
    context.require("read")  # the caller's own tenant and at least a viewer
    interval = float(current_app.config.get("VMSDQ_SAMPLE_SECONDS") or 60)
    samples = monitoring.history()
    if not samples:  # a fresh server: the first sample now, not in a minute
        monitoring.try_sample(interval)
        samples = monitoring.history()
    settings = current_app.extensions["vmsdq_readiness"].settings
    checks = health.readiness(context, settings)
    return render_template(
        "monitoring.html",
        checks=checks,
        now=_now(),
        samples=samples,
        interval=interval,
        shared=metrics.store_url() is not None,
        store_up=metrics.store_up(),
        charts=figures(samples),
        executor=type(web_state().executor).__name__,
    )


def _now() -> dict[str, Any]:
    values = metrics.snapshot()
    live = metrics.live_workers(values)
    workers = {
        metrics.labels_of(k)["worker"]: (
            values.get("vmsdq_worker_cpu_seconds_total", {}).get(k),
            values.get("vmsdq_worker_memory_bytes", {}).get(k),
        )
        for k in sorted(live)
    }
    rows = {
        metrics.labels_of(k)["entity"]: v
        for k, v in sorted(values.get("vmsdq_entity_rows_per_second", {}).items())
    }
    return {"queues": metrics.queue_depths(), "workers": workers, "rows": rows}


def figures(samples: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, label, Plotly figure) of every chart of the page."""
    x = [datetime.fromtimestamp(s["at"], UTC).isoformat() for s in samples]

    def one(title: str, unit: str, key: str, scale: float = 1.0) -> dict[str, Any]:
        values = [s.get(key) for s in samples]
        return line(title, unit, x, {title: [None if v is None else v * scale for v in values]})

    def each(title: str, unit: str, key: str, part: str | None = None, scale: float = 1.0) -> Any:
        names = sorted({n for s in samples for n in (s.get(key) or {})})
        series = {}
        for name in names:
            found = [(s.get(key) or {}).get(name) for s in samples]
            if part is not None:
                found = [v.get(part) if isinstance(v, dict) else None for v in found]
            series[name] = [None if v is None else v * scale for v in found]
        return line(title, unit, x, series)

    busiest = sorted(
        {r for s in samples for r in s.get("http") or {}},
        key=lambda r: -sum((s.get("http") or {}).get(r, {}).get("requests", 0) for s in samples),
    )[:TOP_ROUTES]
    latency = {
        r: [(s.get("http") or {}).get(r, {}).get("p95_ms") for s in samples] for r in busiest
    }
    errors = {
        "task failures": [s.get("task_failures") for s in samples],
        "task retries": [s.get("task_retries") for s in samples],
    }
    return [
        (
            "run-duration",
            "Mean duration of the runs that finished",
            one("Run duration", "s", "run_seconds"),
        ),
        (
            "rows",
            "Rows per second of each entity's last validation",
            each("Rows per second by entity", "rows/s", "rows_per_second"),
        ),
        ("queue", "Tasks waiting in each queue", each("Queue depth", "tasks", "queue_depth")),
        (
            "tasks",
            "Task failures and retries per interval",
            line("Task failures and retries", "tasks", x, errors),
        ),
        (
            "cache",
            "Share of cache look-ups that hit",
            one("Cache hit rate", "%", "cache_hit_ratio", 100.0),
        ),
        (
            "latency",
            "95th percentile of HTTP latency, busiest routes",
            line("HTTP latency (p95) by route", "ms", x, latency),
        ),
        (
            "cpu",
            "CPU of each worker, in cores",
            each("Worker CPU", "cores", "workers", "cpu_cores"),
        ),
        (
            "memory",
            "Resident memory of each worker",
            each("Worker memory", "MB", "workers", "memory", 1e-6),
        ),
    ]


def line(
    title: str, unit: str, x: list[str], series: dict[str, list[float | None]]
) -> dict[str, Any]:
    """One line per series over the sample times."""
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": name, "x": x, "y": y}
        for name, y in series.items()
    ]
    empty = not any(v is not None for y in series.values() for v in y)
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "font": FONT,
        "margin": {"l": 56, "r": 16, "t": 40, "b": 40},
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": unit}, "rangemode": "tozero"},
        "annotations": [_NO_DATA] if empty else [],
        "legend": {"orientation": "h", "y": -0.25},
        "showlegend": len(data) > 1,
        "autosize": True,
        "height": 280,
    }
    return {"data": data, "layout": layout}
