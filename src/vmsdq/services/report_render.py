"""A report as Markdown, HTML (for the email body and ``vmsdq report --format html``) and
the CSV of the rules costing the most points."""

from __future__ import annotations

import base64
import csv
import io
from html import escape
from urllib.parse import quote

from vmsdq.services.reports import Report


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _change(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def summary_lines(r: Report) -> list[str]:
    if r.latest_run is None:
        return [
            f"No completed run between {r.start:%Y-%m-%d %H:%M} and {r.end:%Y-%m-%d %H:%M} UTC."
        ]
    change = f" ({_change(r.change)} over the period)" if r.change is not None else ""
    return [
        f"Period: {r.start:%Y-%m-%d %H:%M} to {r.end:%Y-%m-%d %H:%M} UTC, {len(r.trend)} runs.",
        f"Overall score: {_score(r.score)}{change}, band {r.band or 'n/a'}, target {r.target:g}.",
        f"Latest run: {r.latest_run}.",
        f"Incidents seen: {len(r.incidents)} "
        f"({sum(i.status == 'open' for i in r.incidents)} still open).",
    ]


def markdown(r: Report) -> str:
    out = [f"# {r.title}", "", *summary_lines(r), ""]
    if r.entities:
        out += ["## Entities", "", "| entity | score | change | band |", "|---|---:|---:|---|"]
        out += [
            f"| {e.entity} | {_score(e.score)} | {_change(e.change)} | {e.band or ''} |"
            for e in r.entities
        ]
        out.append("")
    if r.top_rules:
        out += [
            "## Rules costing the most points",
            "",
            "| rule | score | failing rows | points |",
            "|---|---:|---:|---:|",
        ]
        out += [
            f"| {c.rule} | {c.score:.1f} | {c.failed} of {c.evaluated} | {c.points:.2f} |"
            for c in r.top_rules
        ]
        out.append("")
    if r.incidents:
        out += ["## Incidents", ""]
        out += [
            f"- [{i.severity}] {i.rule} ({i.status}, since {i.opened_at:%Y-%m-%d %H:%M}): "
            f"{i.message}"
            for i in r.incidents
        ]
        out.append("")
    out.append(f"Dashboard: {r.dashboard_url}/")
    return "\n".join(out) + "\n"


def html(r: Report, *, chart: bool = True) -> str:
    """A self-contained page (the chart inlined as a PNG data URI)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(r.title)}</title></head><body style='font-family:sans-serif;max-width:"
        "52em'>",
        f"<h1>{escape(r.title)}</h1>",
        *(f"<p>{escape(line)}</p>" for line in summary_lines(r)),
    ]
    if chart and r.trend:
        from vmsdq.services.report_chart import trend_png

        data = base64.b64encode(trend_png(r)).decode()
        parts.append(
            f"<img alt='Overall score per run' style='max-width:100%' "
            f"src='data:image/png;base64,{data}'>"
        )
    if r.entities:
        rows = "".join(
            f"<tr><td><a href='{escape(r.dashboard_url)}/entities/{quote(e.entity)}'>"
            f"{escape(e.entity)}</a></td><td>{_score(e.score)}</td><td>{_change(e.change)}</td>"
            f"<td>{escape(e.band or '')}</td></tr>"
            for e in r.entities
        )
        parts.append(
            "<h2>Entities</h2><table><tr><th>entity</th><th>score</th><th>change</th>"
            f"<th>band</th></tr>{rows}</table>"
        )
    if r.top_rules:
        rows = "".join(
            f"<tr><td><a href='{escape(r.dashboard_url)}/rules/{quote(c.rule)}'>{escape(c.rule)}"
            f"</a></td><td>{c.score:.1f}</td><td>{c.failed} of {c.evaluated}</td>"
            f"<td>{c.points:.2f}</td></tr>"
            for c in r.top_rules
        )
        parts.append(
            "<h2>Rules costing the most points</h2><table><tr><th>rule</th><th>score</th>"
            f"<th>failing rows</th><th>points</th></tr>{rows}</table>"
        )
    if r.incidents:
        items = "".join(
            f"<li>[{escape(i.severity)}] {escape(i.rule)} ({escape(i.status)}): "
            f"{escape(i.message)}</li>"
            for i in r.incidents
        )
        parts.append(f"<h2>Incidents</h2><ul>{items}</ul>")
    parts.append(f"<p><a href='{escape(r.dashboard_url)}/'>Open the dashboard</a></p>")
    parts.append("</body></html>")
    return "".join(parts)


def top_rules_csv(r: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rule", "entity", "score", "failed", "evaluated", "points"])
    for c in r.top_rules:
        writer.writerow(
            [c.rule, c.entity, f"{c.score:.2f}", c.failed, c.evaluated, f"{c.points:.4f}"]
        )
    return out.getvalue()
