"""Pydantic models of the ``alerts:``, ``webhooks:`` and ``reports:`` sections of ``vmsdq.yaml``.

Alert rules say when to tell someone (a score under a bar, a drop, an anomaly, a critical
rule failing, a reconciliation gap, a failed or overdue run) and whom (channels). Webhooks
say where events may be delivered (the hosts the admin allows). Reports say which periodic
quality reports go to whom. Secrets (SMTP passwords, webhook URLs with tokens) are named by
environment variable, never written here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vmsdq.core.words import Dimension, Severity

DURATION = r"^\d+\s*[smhd]$"  # 30s, 15m, 1h, 7d
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
VerdictName = Literal["failed", "incomplete"]
FAILING: tuple[VerdictName, ...] = ("failed", "incomplete")


def seconds(duration: str) -> int:
    """``15m`` -> 900 (units s, m, h, d); the pattern was checked by the model."""
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", duration)
    if found is None:
        raise ValueError(f"'{duration}' is not a duration such as 30s, 15m, 1h, 7d")
    return int(found[1]) * UNITS[found[2]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertKind(StrEnum):
    score_below = "score_below"  # a score under ``threshold``
    score_drop = "score_drop"  # a score ``points`` lower than the previous run or 7-day mean
    new_anomaly = "new_anomaly"  # the run flagged an anomaly in scope
    critical_failing = "critical_failing"  # a critical rule in scope has failing rows
    reconciliation_gap = "reconciliation_gap"  # mirrored counts differ beyond tolerance
    run_failed = "run_failed"  # the run's verdict is failed / incomplete, or the run failed
    run_overdue = "run_overdue"  # no completed run for ``max_age``


class AlertScope(_Strict):
    """What a rule watches; nothing set means the whole project (the overall score)."""

    tenant: str | None = None  # only this tenant's runs (default: any)
    entity: str | None = None
    dimension: Dimension | None = None  # with an entity: that entity's; without: every entity's
    rule: str | None = None  # a full rule name, e.g. volunteer.email.required


class AlertRuleSpec(_Strict):
    """One alert rule. Which keys a kind reads is checked here, so a typo is an error."""

    name: str = Field(pattern=RULE_NAME)
    kind: AlertKind
    severity: Severity = Severity.warning
    scope: AlertScope = Field(default_factory=AlertScope)
    threshold: float | None = Field(default=None, ge=0, le=100)  # score_below
    points: float | None = Field(default=None, gt=0, le=100)  # score_drop
    compare_to: Literal["previous", "mean_7d"] = "previous"  # score_drop
    tolerance: float | None = Field(default=None, ge=0, le=1)  # reconciliation_gap
    verdicts: list[VerdictName] = Field(default_factory=lambda: list(FAILING))  # run_failed
    max_age: str | None = Field(default=None, pattern=DURATION)  # run_overdue, e.g. 26h
    cooldown: str | None = Field(default=None, pattern=DURATION)  # default: alerts.cooldown
    channels: list[str] = Field(default_factory=list)  # default: every channel
    enabled: bool = True
    description: str | None = None

    @model_validator(mode="after")
    def _kind_needs(self) -> AlertRuleSpec:
        needs = {
            AlertKind.score_below: ("threshold", self.threshold),
            AlertKind.score_drop: ("points", self.points),
            AlertKind.run_overdue: ("max_age", self.max_age),
        }.get(self.kind)
        if needs is not None and needs[1] is None:
            raise ValueError(f"an alert of kind '{self.kind}' needs '{needs[0]}'")
        if self.scope.dimension is not None and self.scope.rule is not None:
            raise ValueError("scope: give a dimension or a rule, not both")
        return self


class SmtpSpec(_Strict):
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = None  # environment variables holding the login
    password_env: str | None = None
    ca_file: str | None = None  # trust this CA (a private mail relay); default: the system's
    timeout: float = Field(default=15, gt=0)


class EmailChannelSpec(_Strict):
    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    sender: str = Field(default="vmsdq@localhost", alias="from")
    smtp: SmtpSpec = Field(default_factory=SmtpSpec)


class WebhookChannelSpec(_Strict):
    """A generic JSON webhook, or a Slack- / Teams-compatible incoming webhook."""

    type: Literal["webhook", "slack", "teams"]
    url: str | None = None  # prefer url_env: these URLs often carry a token
    url_env: str | None = None
    secret_env: str | None = None  # webhook: sign each body (X-Vmsdq-Signature)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookChannelSpec:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("a webhook channel needs exactly one of 'url' or 'url_env'")
        return self


ChannelSpec = Annotated[EmailChannelSpec | WebhookChannelSpec, Field(discriminator="type")]


class AlertsSpec(_Strict):
    dashboard_url: str = "http://localhost:8000"  # links in messages point below this
    cooldown: str = Field(default="1h", pattern=DURATION)  # a cleared incident that comes
    # back within this time is the same incident, announced again only after it
    channels: dict[str, ChannelSpec] = Field(default_factory=dict)
    rules: list[AlertRuleSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self) -> AlertsSpec:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"alert rule '{rule.name}' is declared twice")
            seen.add(rule.name)
            unknown = [c for c in rule.channels if c not in self.channels]
            if unknown:
                raise ValueError(
                    f"alert rule '{rule.name}': unknown channels {unknown}; "
                    f"declared: {sorted(self.channels)}"
                )
        return self


class WebhooksSpec(_Strict):
    """Where outgoing HTTP (webhooks, Slack, Teams) may go, and how deliveries retry."""

    allowed_hosts: list[str] = Field(default_factory=list)  # exact names or *.example.org
    # private, loopback and link-local addresses are refused unless listed here (CIDR)
    allowed_networks: list[str] = Field(default_factory=list)
    timeout: float = Field(default=10, gt=0)
    max_redirects: int = Field(default=3, ge=0, le=10)
    retry_backoff: str = Field(default="30s", pattern=DURATION)  # doubled at each attempt
    retry_backoff_max: str = Field(default="1h", pattern=DURATION)
    retry_for: str = Field(default="26h", pattern=DURATION)  # give up on a delivery after
    disable_after: str = Field(default="3d", pattern=DURATION)  # endpoint failing this long


class ReportSpec(_Strict):
    period: Literal["daily", "weekly", "monthly"] = "weekly"
    cron: str | None = Field(default=None, pattern=r"^\S+(\s+\S+){4}$")  # default by period
    channels: list[str] = Field(min_length=1)  # email channels of alerts.channels
    top_rules: int = Field(default=10, ge=1, le=100)
    enabled: bool = True


class ReportsSpec(_Strict):
    schedules: dict[str, ReportSpec] = Field(default_factory=dict)
