"""A report as a PDF (reportlab): the summary, the score-trend chart, entities, the rules
costing the most points and the incidents."""

from __future__ import annotations

import io

from vmsdq.services.report_chart import trend_png
from vmsdq.services.report_render import _change, _score, summary_lines
from vmsdq.services.reports import Report


def pdf(r: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=r.title,
        author="vmsdq",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
    )
    story: list[object] = [Paragraph(_x(r.title), styles["Title"])]
    story += [Paragraph(_x(line), styles["Normal"]) for line in summary_lines(r)]
    story.append(Spacer(1, 0.4 * cm))
    width = doc.width
    story.append(Image(io.BytesIO(trend_png(r)), width=width, height=width * 0.4))
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )
    if r.entities:
        story += [Spacer(1, 0.4 * cm), Paragraph("Entities", styles["Heading2"])]
        rows = [["entity", "score", "change", "band"]]
        rows += [[e.entity, _score(e.score), _change(e.change), e.band or ""] for e in r.entities]
        story.append(Table(rows, repeatRows=1, style=grid, hAlign="LEFT"))
    if r.top_rules:
        story += [
            Spacer(1, 0.4 * cm),
            Paragraph("Rules costing the most points", styles["Heading2"]),
        ]
        rows = [["rule", "score", "failing rows", "points"]]
        rows += [
            [c.rule, f"{c.score:.1f}", f"{c.failed} of {c.evaluated}", f"{c.points:.2f}"]
            for c in r.top_rules
        ]
        story.append(Table(rows, repeatRows=1, style=grid, hAlign="LEFT"))
    if r.incidents:
        story += [Spacer(1, 0.4 * cm), Paragraph("Incidents", styles["Heading2"])]
        story += [
            Paragraph(_x(f"[{i.severity}] {i.rule} ({i.status}): {i.message}"), styles["Normal"])
            for i in r.incidents[:30]
        ]
    story += [
        Spacer(1, 0.4 * cm),
        Paragraph(_x(f"Dashboard: {r.dashboard_url}/"), styles["Normal"]),
    ]
    doc.build(story)
    return out.getvalue()


def _x(text: str) -> str:
    """Text for a reportlab Paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
