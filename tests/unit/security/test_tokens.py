"""API tokens: shown once, stored hashed, scoped to a role and a tenant, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError, PermissionDeniedError
from vmsdq.services import tokens
from vmsdq.services.context import Actor, Context, open_context, utc_now

from .conftest import stored_bytes


def test_a_token_stands_for_its_role_and_tenant(admin: Context, project: Path) -> None:
    record, secret = tokens.create_token(admin, "ci", "steward", days=30)
    actor = tokens.token_actor(admin, secret, "198.51.100.7")
    assert actor == Actor(f"token:{record.id}", "steward", tenant="default", origin="198.51.100.7")
    listed = tokens.list_tokens(admin)
    assert [t.id for t in listed] == [record.id]
    assert secret not in repr(listed) and secret not in str(listed[0].to_dict())
    raw = stored_bytes(project)
    assert secret.encode() not in raw and tokens.digest(secret).encode() in raw


def test_revoked_expired_and_malformed_tokens_are_refused(admin: Context) -> None:
    record, secret = tokens.create_token(admin, "ci", "viewer", days=1)
    later = open_context(
        admin.project, actor=admin.actor, clock=lambda: utc_now() + timedelta(days=2)
    )
    assert tokens.token_actor(later, secret, "x") is None  # expired
    assert tokens.token_actor(admin, secret, "x") is not None
    tokens.revoke_token(admin, record.id)
    assert tokens.token_actor(admin, secret, "x") is None  # revoked
    assert tokens.token_actor(admin, secret[:-1] + "A", "x") is None
    assert tokens.token_actor(admin, "' OR 1=1 --", "x") is None


def test_only_admins_create_tokens_and_admin_tokens_expire(project: Path, admin: Context) -> None:
    steward = open_context(project, actor=Actor("sam", "steward", tenant="default"))
    with pytest.raises(PermissionDeniedError):
        tokens.create_token(steward, "mine", "viewer")
    with pytest.raises(ConfigError, match="an admin token must expire"):
        tokens.create_token(admin, "forever", "admin", days=None)
    with pytest.raises(ConfigError, match="1 to 366 days"):
        tokens.create_token(admin, "long", "viewer", days=1000)
    record, _ = tokens.create_token(admin, "forever", "viewer", days=None)
    assert record.expires_at is None


def test_a_token_of_another_tenant_is_refused_by_every_use_case(admin: Context) -> None:
    from vmsdq.services import runs

    other = open_context(admin.project)
    other.tenant = "other"
    _, secret = tokens.create_token(other, "theirs", "admin", days=5)
    actor = tokens.token_actor(admin, secret, "x")
    assert actor is not None and actor.tenant == "other"
    theirs = open_context(admin.project, actor=actor)  # our project, their token
    with pytest.raises(PermissionDeniedError, match="belongs to another tenant"):
        runs.list_runs(theirs)
