"""Alert rules (read, set, delete), their incidents and the channels they notify."""

from __future__ import annotations

from typing import Any

from vmsdq.services import alert_rules, alerts
from vmsdq.services.alert_views import alert_rule_view, channel_view, incidents_view
from vmsdq.web.api import alert_models as m
from vmsdq.web.api import bp
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.state import ctx

NAME = {"name": "the alert rule's name (letters, digits, '.', '_', '-')"}


@operation(
    bp,
    Operation(
        "/alerts/rules",
        "GET",
        "list_alert_rules",
        "Alert rules in force (vmsdq.yaml with the API's changes)",
        "alerts",
        response=m.AlertRuleList,
    ),
)
def list_alert_rules() -> dict[str, Any]:
    return {"items": [alert_rule_view(r) for r in alert_rules.list_rules(ctx())]}


@operation(
    bp,
    Operation(
        "/alerts/rules/<name>",
        "GET",
        "get_alert_rule",
        "One alert rule",
        "alerts",
        response=m.AlertRule,
        params=NAME,
    ),
)
def get_alert_rule(name: str) -> dict[str, Any]:
    return alert_rule_view(alert_rules.get_rule(ctx(), name))


@operation(
    bp,
    Operation(
        "/alerts/rules/<name>",
        "PUT",
        "put_alert_rule",
        "Create or replace an alert rule (it wins over vmsdq.yaml's rule of that name)",
        "alerts",
        body=m.AlertRuleBody,
        response=m.AlertRule,
        errors=(400, 403),
        params=NAME,
    ),
)
def put_alert_rule(name: str, body: m.AlertRuleBody) -> dict[str, Any]:
    definition = body.model_dump(mode="json", exclude_none=True)
    return alert_rule_view(alert_rules.put_rule(ctx(), name, definition))


@operation(
    bp,
    Operation(
        "/alerts/rules/<name>",
        "DELETE",
        "delete_alert_rule",
        "Delete an alert rule (one from vmsdq.yaml is hidden, the file is not changed)",
        "alerts",
        response=m.Deleted,
        errors=(400, 403, 404),
        params=NAME,
    ),
)
def delete_alert_rule(name: str) -> dict[str, Any]:
    alert_rules.delete_rule(ctx(), name)
    return {"deleted": name}


@operation(
    bp,
    Operation(
        "/alerts/incidents",
        "GET",
        "list_incidents",
        "Incidents, the most recently seen first",
        "alerts",
        query=m.IncidentsQuery,
        response=m.IncidentList,
    ),
)
def list_incidents(query: m.IncidentsQuery) -> dict[str, Any]:
    found = alerts.list_incidents(ctx(), status=query.status, rule=query.rule, limit=query.limit)
    return incidents_view(found)


@operation(
    bp,
    Operation(
        "/alerts/channels",
        "GET",
        "list_channels",
        "Alert channels of vmsdq.yaml (no secrets)",
        "alerts",
        response=m.ChannelList,
    ),
)
def list_channels() -> dict[str, Any]:
    channels = alert_rules.list_channels(ctx())
    return {"items": [channel_view(n, c) for n, c in channels.items()]}
