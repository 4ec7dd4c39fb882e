"""The vmsdq REST API as Python methods: one per operation of /api/openapi.json, named by
its ``operationId``, plus ``iter_*`` helpers that follow ``next_cursor`` through every page.

>>> from vmsdq.client import Client
>>> with Client("http://localhost:8000") as api:
...     run = api.start_run(entities=["volunteer"])
...     for row in api.iter_failures(run["run_id"], rule="volunteer.email.format"):
...         print(row["key"], row["values"])
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

from urllib3.util import Retry

from vmsdq.client.http import Transport, path
from vmsdq.client.types import (
    JSON,
    AlertRule,
    Delivery,
    DeliveryDetail,
    Failure,
    Incident,
    NewSubscription,
    RuleResult,
    RunProgress,
    RunSummary,
    SettingsVersion,
    Subscription,
)

Format = Literal["csv", "json", "parquet"]
Event = Literal[
    "run.completed",
    "run.failed",
    "score.changed",
    "anomaly.detected",
    "alert.fired",
    "alert.resolved",
]


class Client:
    """A client of one vmsdq server (``base_url`` without ``/api/v1``).

    Errors raise :class:`vmsdq.client.ApiError` subclasses (``NotFoundError``,
    ``BadRequestError``...) carrying the server's message; an unreachable server raises
    :class:`vmsdq.client.TransportError` once ``retry`` (3 tries with backoff) is spent.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        retry: Retry | None = None,
    ) -> None:
        self.http = Transport(base_url, token=token, timeout=timeout, retry=retry)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _get(self, route: str, **query: Any) -> Any:
        return self.http.json("GET", route, query=query)

    def _send(self, method: str, route: str, body: JSON | None = None, **query: Any) -> Any:
        return self.http.json(method, route, body=body if body is not None else {}, query=query)

    def _pages(self, fetch: Any, **kwargs: Any) -> Iterator[Any]:
        cursor = None
        while True:
            page = fetch(**kwargs, cursor=cursor)
            yield from page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return

    # ---- runs ----

    def list_runs(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> JSON:
        """One page of runs, newest first: ``{"items": [RunSummary], "next_cursor"}``."""
        return cast(
            JSON,
            self._get("/runs", status=status, since=since, until=until, cursor=cursor, limit=limit),
        )

    def iter_runs(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> Iterator[RunSummary]:
        """Every run matching the filters, newest first, page after page."""
        return self._pages(self.list_runs, status=status, since=since, until=until, limit=limit)

    def start_run(self, *, entities: list[str] | None = None) -> RunProgress:
        """Start a run (every entity, or ``entities``); it runs in the background."""
        return cast(RunProgress, self._send("POST", "/runs", {"entities": entities}))

    def get_run(self, run_id: str) -> RunProgress:
        """A run with its live progress (``run_id`` may be ``latest``)."""
        return cast(RunProgress, self._get(path("/runs/{run_id}", run_id=run_id)))

    def cancel_run(self, run_id: str) -> RunSummary:
        return cast(RunSummary, self._send("POST", path("/runs/{run_id}/cancel", run_id=run_id)))

    # ---- results ----

    def list_rule_results(
        self,
        run_id: str,
        *,
        entity: str | None = None,
        dimension: str | None = None,
        outcome: str | None = None,
        search: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> JSON:
        route = path("/runs/{run_id}/rules", run_id=run_id)
        return cast(
            JSON,
            self._get(
                route,
                entity=entity,
                dimension=dimension,
                outcome=outcome,
                search=search,
                cursor=cursor,
                limit=limit,
            ),
        )

    def iter_rule_results(self, run_id: str, **filters: Any) -> Iterator[RuleResult]:
        """Every rule result of a run (filters as :meth:`list_rule_results`)."""
        return self._pages(self.list_rule_results, run_id=run_id, **filters)

    def list_failures(
        self,
        run_id: str,
        *,
        rule: str | None = None,
        entity: str | None = None,
        search: str | None = None,
        sort: Literal["key", "rule"] = "key",
        order: Literal["asc", "desc"] = "asc",
        cursor: str | None = None,
        limit: int = 50,
    ) -> JSON:
        """One page of failing rows: ``{"items": [Failure], "next_cursor"}``."""
        route = path("/runs/{run_id}/failures", run_id=run_id)
        return cast(
            JSON,
            self._get(
                route,
                rule=rule,
                entity=entity,
                search=search,
                sort=sort,
                order=order,
                cursor=cursor,
                limit=limit,
            ),
        )

    def iter_failures(self, run_id: str, *, limit: int = 500, **filters: Any) -> Iterator[Failure]:
        """Every failing row of a run, fetched page by page as you iterate."""
        return self._pages(self.list_failures, run_id=run_id, limit=limit, **filters)

    def export_failures(
        self, run_id: str, *, rule: str, format: Format = "csv", to: Path | str | None = None
    ) -> bytes:
        """A rule's failing rows as a file (CSV, JSON or Parquet); written to ``to`` if given."""
        route = path("/runs/{run_id}/failures/export", run_id=run_id)
        return self._download(route, {"rule": rule, "format": format}, to)

    def export_results(
        self, run_id: str, *, format: Format = "csv", to: Path | str | None = None
    ) -> bytes:
        """Every rule result of a run as a file; written to ``to`` if given."""
        route = path("/runs/{run_id}/results/export", run_id=run_id)
        return self._download(route, {"format": format}, to)

    def _download(self, route: str, query: JSON, to: Path | str | None) -> bytes:
        data = self.http.request("GET", route, query=query).data
        if to is not None:
            Path(to).write_bytes(data)
        return data

    def get_scores(self, run_id: str, *, version: int | None = None) -> JSON:
        return cast(JSON, self._get(path("/runs/{run_id}/scores", run_id=run_id), version=version))

    def explain_run(self, run_id: str, *, entity: str | None = None, top: int = 5) -> JSON:
        route = path("/runs/{run_id}/explanation", run_id=run_id)
        return cast(JSON, self._get(route, entity=entity, top=top))

    # ---- reconciliation ----

    def list_reconciliations(self, run_id: str) -> JSON:
        return cast(JSON, self._get(path("/runs/{run_id}/reconciliation", run_id=run_id)))

    def get_reconciliation(self, run_id: str, entity: str) -> JSON:
        route = path("/runs/{run_id}/reconciliation/{entity}", run_id=run_id, entity=entity)
        return cast(JSON, self._get(route))

    def list_missing(
        self,
        run_id: str,
        entity: str,
        *,
        side: str,
        search: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> JSON:
        route = path("/runs/{run_id}/reconciliation/{entity}/missing", run_id=run_id, entity=entity)
        return cast(JSON, self._get(route, side=side, search=search, cursor=cursor, limit=limit))

    def list_mismatches(
        self,
        run_id: str,
        entity: str,
        *,
        field: str,
        search: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> JSON:
        route = path(
            "/runs/{run_id}/reconciliation/{entity}/mismatches", run_id=run_id, entity=entity
        )
        return cast(JSON, self._get(route, field=field, search=search, cursor=cursor, limit=limit))

    # ---- dashboard, history, analytics ----

    def get_overview(self) -> JSON:
        return cast(JSON, self._get("/overview"))

    def get_history(
        self,
        *,
        entity: str | None = None,
        rule: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> JSON:
        return cast(JSON, self._get("/history", entity=entity, rule=rule, since=since, limit=limit))

    def get_trends(self, *, entity: str | None = None, rule: str | None = None) -> JSON:
        return cast(JSON, self._get("/trends", entity=entity, rule=rule))

    def list_anomalies(
        self,
        *,
        run: str | None = None,
        entity: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> JSON:
        return cast(JSON, self._get("/anomalies", run=run, entity=entity, since=since, limit=limit))

    # ---- catalogue and rule editing ----

    def list_entities(self) -> JSON:
        return cast(JSON, self._get("/entities"))

    def get_entity(self, entity: str) -> JSON:
        return cast(JSON, self._get(path("/entities/{entity}", entity=entity)))

    def get_entity_source(self, entity: str) -> JSON:
        return cast(JSON, self._get(path("/entities/{entity}/source", entity=entity)))

    def preview_entity(self, entity: str, *, yaml: str, run: str = "latest") -> JSON:
        route = path("/entities/{entity}/preview", entity=entity)
        return cast(JSON, self._send("POST", route, {"yaml": yaml}, run=run))

    def save_entity(self, entity: str, *, yaml: str) -> JSON:
        return cast(
            JSON, self._send("PUT", path("/entities/{entity}", entity=entity), {"yaml": yaml})
        )

    def list_rules(
        self,
        *,
        entity: str | None = None,
        dimension: str | None = None,
        severity: str | None = None,
        search: str | None = None,
    ) -> JSON:
        return cast(
            JSON,
            self._get(
                "/rules", entity=entity, dimension=dimension, severity=severity, search=search
            ),
        )

    def get_rule(self, rule: str) -> JSON:
        return cast(JSON, self._get(path("/rules/{rule}", rule=rule)))

    # ---- settings ----

    def get_settings(self) -> SettingsVersion:
        return cast(SettingsVersion, self._get("/settings"))

    def update_setting(self, key: str, value: str) -> SettingsVersion:
        """Set one key (a YAML value); recorded as a new settings version."""
        body = {"key": key, "value": value}
        return cast(SettingsVersion, self._send("PUT", "/settings", body))

    def validate_setting(self, key: str, value: str) -> JSON:
        return cast(JSON, self._send("POST", "/settings/validate", {"key": key, "value": value}))

    def preview_setting(self, key: str, value: str, *, run: str = "latest") -> JSON:
        body = {"key": key, "value": value, "run": run}
        return cast(JSON, self._send("POST", "/settings/preview", body))

    def list_settings_versions(self) -> list[SettingsVersion]:
        return cast(list[SettingsVersion], self._get("/settings/versions")["items"])

    def get_settings_version(self, version: int) -> SettingsVersion:
        route = path("/settings/versions/{version}", version=version)
        return cast(SettingsVersion, self._get(route))

    def diff_settings(self, *, before: int | None = None, after: int | None = None) -> JSON:
        return cast(JSON, self._get("/settings/diff", before=before, after=after))

    # ---- alerts ----

    def list_alert_rules(self) -> list[AlertRule]:
        return cast(list[AlertRule], self._get("/alerts/rules")["items"])

    def get_alert_rule(self, name: str) -> AlertRule:
        return cast(AlertRule, self._get(path("/alerts/rules/{name}", name=name)))

    def put_alert_rule(self, name: str, *, kind: str, **definition: Any) -> AlertRule:
        """Create or replace an alert rule: ``kind`` plus its keys (threshold, points, scope,
        severity, channels, cooldown...; see docs/alerts.md)."""
        body = {"kind": kind, **definition}
        return cast(AlertRule, self._send("PUT", path("/alerts/rules/{name}", name=name), body))

    def delete_alert_rule(self, name: str) -> None:
        self.http.json("DELETE", path("/alerts/rules/{name}", name=name))

    def list_incidents(
        self,
        *,
        status: Literal["open", "resolved"] | None = None,
        rule: str | None = None,
        limit: int = 200,
    ) -> list[Incident]:
        found = self._get("/alerts/incidents", status=status, rule=rule, limit=limit)
        return cast(list[Incident], found["items"])

    def list_channels(self) -> list[JSON]:
        return cast(list[JSON], self._get("/alerts/channels")["items"])

    # ---- webhooks ----

    def list_webhooks(self) -> list[Subscription]:
        return cast(list[Subscription], self._get("/webhooks")["items"])

    def create_webhook(
        self, url: str, events: list[Event], *, description: str = ""
    ) -> NewSubscription:
        """Subscribe ``url``; keep the answer's ``secret`` to verify signatures (shown once)."""
        body = {"url": url, "events": list(events), "description": description}
        return cast(NewSubscription, self._send("POST", "/webhooks", body))

    def get_webhook(self, sub_id: str) -> Subscription:
        return cast(Subscription, self._get(path("/webhooks/{sub_id}", sub_id=sub_id)))

    def update_webhook(
        self,
        sub_id: str,
        *,
        url: str | None = None,
        events: list[Event] | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> Subscription:
        body = {"url": url, "events": events, "description": description, "active": active}
        body = {k: v for k, v in body.items() if v is not None}
        route = path("/webhooks/{sub_id}", sub_id=sub_id)
        return cast(Subscription, self._send("PATCH", route, body))

    def delete_webhook(self, sub_id: str) -> None:
        self.http.json("DELETE", path("/webhooks/{sub_id}", sub_id=sub_id))

    def list_deliveries(
        self,
        *,
        target: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> JSON:
        return cast(
            JSON,
            self._get(
                "/webhooks/deliveries", target=target, status=status, cursor=cursor, limit=limit
            ),
        )

    def iter_deliveries(
        self, *, target: str | None = None, status: str | None = None, limit: int = 200
    ) -> Iterator[Delivery]:
        """The whole delivery log, newest first."""
        return self._pages(self.list_deliveries, target=target, status=status, limit=limit)

    def get_delivery(self, delivery_id: str) -> DeliveryDetail:
        route = path("/webhooks/deliveries/{delivery_id}", delivery_id=delivery_id)
        return cast(DeliveryDetail, self._get(route))

    def redeliver(self, delivery_id: str) -> Delivery:
        route = path("/webhooks/deliveries/{delivery_id}/redeliver", delivery_id=delivery_id)
        return cast(Delivery, self._send("POST", route))

    # ---- audit (admins) ----

    def list_audit(
        self, *, action: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> JSON:
        """One page of the audit log, newest first."""
        return cast(JSON, self._get("/audit", action=action, cursor=cursor, limit=limit))

    def iter_audit(self, *, action: str | None = None, limit: int = 500) -> Iterator[JSON]:
        """The whole audit log, newest first, page after page."""
        return self._pages(self.list_audit, action=action, limit=limit)

    def export_audit(
        self, *, format: Literal["csv", "json"] = "csv", to: Path | str | None = None
    ) -> bytes:
        """The whole audit log, oldest first (CSV, or JSON lines); written to ``to`` if given."""
        return self._download("/audit/export", {"format": format}, to)

    def verify_audit(self) -> JSON:
        """Check the audit hash chain: ``{"ok", "entries", "problems"}``."""
        return cast(JSON, self._get("/audit/verify"))
