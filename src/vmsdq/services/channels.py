"""Sending one delivery: by SMTP (email channels) or HTTP POST (webhooks, Slack, Teams).

Each send returns the status code the other side answered (HTTP status, SMTP reply code);
a failure raises :class:`SendError` with the code when there was one.
"""

from __future__ import annotations

import base64
import json
import os
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from vmsdq.core.errors import ConfigError, VmsdqError
from vmsdq.services.alert_messages import Message, email_html, slack_body, teams_body
from vmsdq.services.context import Context
from vmsdq.services.outbound import OutboundPolicy, OutboundRefusedError
from vmsdq.services.webhooks import SIGNATURE_HEADER, sign
from vmsdq.spec.alerts import EmailChannelSpec, WebhookChannelSpec
from vmsdq.store.repos.webhooks import Delivery


class SendError(VmsdqError):
    def __init__(self, message: str, status: int | None = None, *, final: bool = False) -> None:
        super().__init__(message, status, final)
        self.message, self.status, self.final = message, status, final

    def __str__(self) -> str:
        return self.message


def send(ctx: Context, delivery: Delivery) -> int:
    """Send ``delivery`` once; the status code on success, SendError otherwise."""
    if delivery.target_kind == "subscription":
        sub = ctx.repos.webhooks.subscription(delivery.target)
        if sub is None:
            raise SendError(f"subscription '{delivery.target}' was deleted", final=True)
        if not sub.active:
            raise SendError(f"endpoint disabled: {sub.disabled_reason}", final=True)
        return _post(ctx, sub.url, delivery, _json(delivery.payload), sub.secret)
    channel = ctx.project.spec.alerts.channels.get(delivery.target)
    if channel is None:
        raise SendError(f"channel '{delivery.target}' is no longer in alerts.channels", final=True)
    if isinstance(channel, EmailChannelSpec):
        return send_email(channel, delivery.payload)
    return _send_webhook_channel(ctx, channel, delivery)


def _send_webhook_channel(ctx: Context, channel: WebhookChannelSpec, delivery: Delivery) -> int:
    url = channel.url or os.environ.get(channel.url_env or "", "")
    if not url:
        raise SendError(f"channel '{delivery.target}': ${channel.url_env} is not set", final=True)
    message = Message(**delivery.payload["message"]) if "message" in delivery.payload else None
    if channel.type == "webhook" or message is None:
        body = _json(delivery.payload.get("event", delivery.payload))
        secret = os.environ.get(channel.secret_env) if channel.secret_env else None
        return _post(ctx, url, delivery, body, secret)
    formatted = slack_body(message) if channel.type == "slack" else teams_body(message)
    return _post(ctx, url, delivery, _json(formatted), None)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _post(ctx: Context, url: str, delivery: Delivery, body: bytes, secret: str | None) -> int:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "vmsdq-webhooks/1",
        "X-Vmsdq-Event": delivery.event,
        "X-Vmsdq-Delivery": delivery.id,
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    try:
        reply = OutboundPolicy.of(ctx.project.spec.webhooks).post(url, body, headers)
    except OutboundRefusedError as exc:
        raise SendError(f"refused: {exc}", final=True) from None
    except VmsdqError as exc:
        raise SendError(str(exc)) from None
    if not 200 <= reply.status < 300:
        raise SendError(f"HTTP {reply.status}: {reply.body[:200]}".strip(), reply.status)
    return reply.status


def send_email(channel: EmailChannelSpec, payload: dict[str, Any]) -> int:
    """Send the message (or report) of ``payload`` to the channel's recipients; 250 on success."""
    mail = _email(channel, payload)
    smtp = channel.smtp
    try:
        context = ssl.create_default_context(cafile=smtp.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"smtp.ca_file '{smtp.ca_file}' cannot be read: {exc}") from None
    try:
        client: smtplib.SMTP
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=context)
            user = os.environ.get(smtp.username_env) if smtp.username_env else None
            if user:
                client.login(user, os.environ.get(smtp.password_env or "", ""))
            client.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", exc.smtp_code) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [c for c, _ in exc.recipients.values()]
        raise SendError(f"SMTP: recipients refused: {sorted(exc.recipients)}", codes[0]) from None
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise SendError(f"SMTP {smtp.host}:{smtp.port}: {type(exc).__name__}: {exc}") from None
    return 250


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _email(channel: EmailChannelSpec, payload: dict[str, Any]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    if "report" in payload:
        report = payload["report"]
        mail["Subject"] = report["subject"]
        mail.set_content(report["text"])
        mail.add_alternative(report["html"], subtype="html")
        for item in report.get("attachments", []):
            maintype, _, subtype = item["content_type"].partition("/")
            data = base64.b64decode(item["data"])
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=item["name"])
        return mail
    message = Message(**payload["message"])
    mail["Subject"] = message.title
    mail.set_content(message.text())
    mail.add_alternative(email_html(message), subtype="html")
    return mail
