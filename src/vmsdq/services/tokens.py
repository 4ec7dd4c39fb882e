"""API tokens: created by admins, shown once, stored as a SHA-256, scoped to a role and a
tenant, with an expiry and revocation. Sent as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from vmsdq.core.errors import ConfigError, PermissionDeniedError
from vmsdq.services import audit
from vmsdq.services.accounts import check_role
from vmsdq.services.context import ROLES, Actor, Context
from vmsdq.store.repos.tokens import TokenRecord

PREFIX = "vmsdq_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
_TOKEN = re.compile(r"^vmsdq_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")
_NAME = re.compile(r"^[\w .@+-]{1,100}$")
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    ctx: Context, name: str, role: str, *, days: int | None = DEFAULT_DAYS
) -> tuple[TokenRecord, str]:
    """A new token of this tenant; returns it with its secret (never shown again).
    ``days=None`` never expires (refused for admin tokens)."""
    ctx.require("admin")
    check_role(role)
    if not _NAME.match(name or ""):
        raise ConfigError("a token name has 1 to 100 letters, digits, spaces or _ . @ + -")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"a token expires after 1 to {MAX_DAYS} days")
    if days is None and role == "admin":
        raise ConfigError("an admin token must expire (give --days)")
    if ROLES.index(role) > ROLES.index(ctx.actor.role):
        raise PermissionDeniedError(f"{ctx.actor.name} may not create a token above its own role")
    now = ctx.clock()
    token_id = secrets.token_hex(6)
    secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = TokenRecord(
        id=token_id,
        tenant=ctx.tenant,
        name=name,
        role=role,
        created_by=ctx.actor.name,
        created_at=now.replace(microsecond=0),
        expires_at=(now + timedelta(days=days)).replace(microsecond=0) if days else None,
        revoked_at=None,
        last_used_at=None,
    )
    ctx.repos.tokens.add(record, digest(secret))
    audit.record(ctx, "token.create", token_id, name=name, role=role, days=days)
    return record, secret


def list_tokens(ctx: Context) -> list[TokenRecord]:
    ctx.require("admin")
    return ctx.repos.tokens.list(ctx.tenant)


def revoke_token(ctx: Context, token_id: str) -> TokenRecord:
    ctx.require("admin")
    record = ctx.repos.tokens.revoke(ctx.tenant, token_id, ctx.clock())
    audit.record(ctx, "token.revoke", token_id)
    return record


def token_actor(ctx: Context, token: str, origin: str) -> Actor | None:
    """The actor a bearer token stands for, or None (unknown, malformed, expired, revoked)."""
    if not _TOKEN.match(token or ""):
        return None
    record = ctx.repos.tokens.by_hash(digest(token))
    now = ctx.clock()
    if record is None or not record.active(now):
        return None
    if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY:
        ctx.repos.tokens.used(record.id, now)
    return Actor(f"token:{record.id}", record.role, tenant=record.tenant, origin=origin)
