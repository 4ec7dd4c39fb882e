"""Alert messages in words (what happened, how bad, since when, where to look) and as each
channel wants them: plain text and HTML email, Slack blocks, a Teams adaptive card."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from html import escape
from typing import Any

SEVERITY_COLOURS = {
    "critical": "#b00020",
    "error": "#d9480f",
    "warning": "#e8a200",
    "info": "#1c7ed6",
}
RESOLVED_COLOUR = "#2b8a3e"


@dataclass(frozen=True)
class Message:
    event: str  # alert.fired | alert.resolved
    title: str
    what: str
    severity: str
    since: str  # ISO time the incident opened
    link: str  # full dashboard URL
    rule: str
    run_id: str | None
    duration: str = ""  # resolved: how long it lasted

    @property
    def resolved(self) -> bool:
        return self.event == "alert.resolved"

    def lines(self) -> list[str]:
        opened = _readable(self.since)
        out = [
            f"What: {self.what}",
            f"Severity: {self.severity}",
            f"Since: {opened}" + (f" (lasted {self.duration})" if self.duration else ""),
            f"Alert rule: {self.rule}" + (f", run {self.run_id}" if self.run_id else ""),
            f"Dashboard: {self.link}",
        ]
        return out

    def text(self) -> str:
        return "\n".join([self.title, "", *self.lines()])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compose(
    event: str,
    *,
    rule: str,
    severity: str,
    what: str,
    subject: str,
    since: datetime,
    link: str,
    run_id: str | None,
    resolved_at: datetime | None = None,
) -> Message:
    if event == "alert.resolved":
        lasted = _duration((resolved_at or since) - since) if resolved_at else ""
        title = f"[RESOLVED] {rule}: {subject} is back to normal"
    else:
        lasted = ""
        title = f"[{severity.upper()}] {rule}: {what}"
    return Message(event, title, what, severity, since.isoformat(), link, rule, run_id, lasted)


def _duration(delta: Any) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _readable(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return iso


def email_html(m: Message) -> str:
    colour = RESOLVED_COLOUR if m.resolved else SEVERITY_COLOURS.get(m.severity, "#444")
    rows = "".join(
        f"<tr><th align='left' style='padding-right:1em'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in (line.split(": ", 1) for line in m.lines()[:-1])
    )
    return (
        "<!doctype html><html><body style='font-family:sans-serif'>"
        f"<h2 style='color:{colour}'>{escape(m.title)}</h2><table>{rows}</table>"
        f"<p><a href='{escape(m.link, quote=True)}'>Open in the dashboard</a></p></body></html>"
    )


def slack_body(m: Message) -> dict[str, Any]:
    """A Slack incoming-webhook message (``text`` for notifications, blocks for the body)."""
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in _pairs(m)]
    return {
        "text": m.title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": m.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": m.what}},
            {"type": "section", "fields": fields},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open dashboard"},
                        "url": m.link,
                    }  # fmt: skip
                ],
            },
        ],
    }


def teams_body(m: Message) -> dict[str, Any]:
    """A Teams (Workflows / incoming webhook) message carrying an adaptive card."""
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "size": "Large",
                "weight": "Bolder",
                "wrap": True,
                "text": m.title,
                "color": "Good" if m.resolved else "Attention",
            },  # fmt: skip
            {"type": "TextBlock", "wrap": True, "text": m.what},
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in _pairs(m)]},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "Open dashboard", "url": m.link}],
    }
    return {
        "type": "message",
        "summary": m.title,
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _pairs(m: Message) -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in m.lines()[1:-1]]  # type: ignore[misc]
