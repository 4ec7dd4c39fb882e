"""Webhook subscriptions (admins only) and the delivery log with manual redelivery."""

from __future__ import annotations

from typing import Any

from vmsdq.services import deliveries, webhooks
from vmsdq.services.alert_views import delivery_detail_view, delivery_view, subscription_view
from vmsdq.web.api import alert_models as m
from vmsdq.web.api import bp
from vmsdq.web.api.spec import Operation, operation
from vmsdq.web.state import ctx

SUB = {"sub_id": "a subscription id (wh_...)"}
DELIVERY = {"delivery_id": "a delivery id (dl_...)"}


@operation(
    bp,
    Operation(
        "/webhooks",
        "GET",
        "list_webhooks",
        "Webhook subscriptions",
        "webhooks",
        response=m.SubscriptionList,
        errors=(403,),
    ),
)
def list_webhooks() -> dict[str, Any]:
    return {"items": [subscription_view(s) for s in webhooks.list_subscriptions(ctx())]}


@operation(
    bp,
    Operation(
        "/webhooks",
        "POST",
        "create_webhook",
        "Subscribe a URL to events; the answer holds the signing secret, shown only once",
        "webhooks",
        body=m.NewSubscription,
        response=m.NewSubscriptionCreated,
        status=201,
        errors=(400, 403),
        description="The URL's host must be in webhooks.allowed_hosts and resolve to a public "
        "address (or one in webhooks.allowed_networks).",
    ),
)
def create_webhook(body: m.NewSubscription) -> dict[str, Any]:
    sub = webhooks.subscribe(ctx(), body.url, list(body.events), body.description)
    return subscription_view(sub, with_secret=True)


@operation(
    bp,
    Operation(
        "/webhooks/<sub_id>",
        "GET",
        "get_webhook",
        "One webhook subscription",
        "webhooks",
        response=m.Subscription,
        errors=(403, 404),
        params=SUB,
    ),
)
def get_webhook(sub_id: str) -> dict[str, Any]:
    return subscription_view(webhooks.get_subscription(ctx(), sub_id))


@operation(
    bp,
    Operation(
        "/webhooks/<sub_id>",
        "PATCH",
        "update_webhook",
        "Change a subscription (active: true enables one disabled for failing)",
        "webhooks",
        body=m.SubscriptionChange,
        response=m.Subscription,
        errors=(400, 403, 404),
        params=SUB,
    ),
)
def update_webhook(sub_id: str, body: m.SubscriptionChange) -> dict[str, Any]:
    sub = webhooks.update_subscription(
        ctx(),
        sub_id,
        url=body.url,
        events=list(body.events) if body.events is not None else None,
        description=body.description,
        active=body.active,
    )
    return subscription_view(sub)


@operation(
    bp,
    Operation(
        "/webhooks/<sub_id>",
        "DELETE",
        "delete_webhook",
        "Unsubscribe",
        "webhooks",
        response=m.Deleted,
        errors=(403, 404),
        params=SUB,
    ),
)
def delete_webhook(sub_id: str) -> dict[str, Any]:
    webhooks.unsubscribe(ctx(), sub_id)
    return {"deleted": sub_id}


@operation(
    bp,
    Operation(
        "/webhooks/deliveries",
        "GET",
        "list_deliveries",
        "The delivery log (webhooks and alert channels), newest first",
        "webhooks",
        query=m.DeliveriesQuery,
        response=m.DeliveryPage,
        errors=(400, 403),
    ),
)
def list_deliveries(query: m.DeliveriesQuery) -> dict[str, Any]:
    page = deliveries.list_deliveries(
        ctx(), target=query.target, status=query.status, cursor=query.cursor, limit=query.limit
    )
    return {"items": [delivery_view(d) for d in page.items], "next_cursor": page.next_cursor}


@operation(
    bp,
    Operation(
        "/webhooks/deliveries/<delivery_id>",
        "GET",
        "get_delivery",
        "One delivery: its payload and every attempt with its status code",
        "webhooks",
        response=m.DeliveryDetail,
        errors=(403, 404),
        params=DELIVERY,
    ),
)
def get_delivery(delivery_id: str) -> dict[str, Any]:
    found, attempts = deliveries.get_delivery(ctx(), delivery_id)
    return delivery_detail_view(found, attempts)


@operation(
    bp,
    Operation(
        "/webhooks/deliveries/<delivery_id>/redeliver",
        "POST",
        "redeliver",
        "Send a delivery again now",
        "webhooks",
        response=m.Delivery,
        errors=(403, 404),
        params=DELIVERY,
    ),
)
def redeliver(delivery_id: str) -> dict[str, Any]:
    return delivery_view(deliveries.redeliver(ctx(), delivery_id))
