"""A report rendered in the format asked for, or emailed (HTML body, PDF and CSV attached)
to the channels of a ``reports:`` schedule."""

from __future__ import annotations

import base64
from datetime import datetime

from vmsdq.core.errors import ConfigError, NotFoundError
from vmsdq.services import deliveries, report_render
from vmsdq.services.context import Context
from vmsdq.services.report_pdf import pdf
from vmsdq.services.reports import Report, build_report
from vmsdq.spec.alerts import EmailChannelSpec
from vmsdq.store.repos.webhooks import Delivery


def render(report: Report, fmt: str) -> bytes:
    """The report as ``md``, ``html`` or ``pdf``."""
    if fmt == "md":
        return report_render.markdown(report).encode()
    if fmt == "html":
        return report_render.html(report, chart=True).encode()
    if fmt == "pdf":
        return pdf(report)
    raise ConfigError(f"format '{fmt}' is not one of: md, html, pdf")


def send_report(ctx: Context, name: str, *, end: datetime | None = None) -> list[Delivery]:
    """Build the report of schedule ``name`` (``reports.schedules``) and email it (HTML body,
    PDF and CSV attached) to its channels; returns the deliveries."""
    spec = ctx.project.spec.reports.schedules.get(name)
    if spec is None:
        known = ", ".join(ctx.project.spec.reports.schedules) or "none"
        raise NotFoundError(f"report schedule '{name}' is not in reports.schedules ({known})")
    channels = ctx.project.spec.alerts.channels
    for channel in spec.channels:
        if not isinstance(channels.get(channel), EmailChannelSpec):
            raise ConfigError(
                f"reports.schedules.{name}: channel '{channel}' is not an email channel of "
                "alerts.channels"
            )
    report = build_report(ctx, spec.period, end=end, top=spec.top_rules)
    day = f"{report.end:%Y-%m-%d}"
    attachments = [
        _attachment(f"vmsdq-{spec.period}-{day}.pdf", "application/pdf", render(report, "pdf")),
        _attachment(
            f"vmsdq-{spec.period}-{day}-top-rules.csv",
            "text/csv",
            report_render.top_rules_csv(report).encode(),
        ),
    ]
    payload = {
        "report": {
            "subject": f"{report.title}, {report.start:%Y-%m-%d} to {day}",
            "text": report_render.markdown(report),
            "html": report_render.html(report, chart=True),
            "attachments": attachments,
        }
    }
    queued = [deliveries.enqueue(ctx, "channel", c, "report", payload) for c in spec.channels]
    deliveries.dispatch(ctx, queued)
    return queued


def _attachment(name: str, content_type: str, data: bytes) -> dict[str, str]:
    return {"name": name, "content_type": content_type, "data": base64.b64encode(data).decode()}
