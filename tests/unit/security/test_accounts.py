"""Accounts: argon2id hashes, one-time passwords, lock-out, disable, reset, tenants."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError, PermissionDeniedError
from vmsdq.services import accounts
from vmsdq.services.accounts import LOCK_AFTER, LoginFailedError
from vmsdq.services.context import Actor, Context, open_context, utc_now

from .conftest import stored_bytes


@pytest.mark.real_argon2
def test_a_new_account_gets_a_one_time_password_that_logs_in(admin: Context, project: Path) -> None:
    user, password = accounts.add_user(admin, "bob", "steward")
    assert password is not None and len(password) >= 20
    assert user.must_change and user.password_hash.startswith("$argon2id$v=19$m=65536,t=3")
    found = accounts.authenticate(admin, "bob", password)
    assert found.username == "bob" and found.last_login_at is not None
    raw = stored_bytes(project)
    assert password.encode() not in raw


def test_a_chosen_password_is_checked_for_length(admin: Context) -> None:
    with pytest.raises(ConfigError, match="12 to 128 characters"):
        accounts.add_user(admin, "bob", "viewer", "short")
    with pytest.raises(ConfigError, match="username '../x' is not allowed"):
        accounts.add_user(admin, "../x", "viewer", "long enough password")


def test_repeated_failures_lock_the_account_until_reset(admin: Context) -> None:
    _, password = accounts.add_user(admin, "bob", "viewer")
    assert password is not None
    for _ in range(LOCK_AFTER):
        with pytest.raises(LoginFailedError, match="wrong username or password"):
            accounts.authenticate(admin, "bob", "not the password")
    with pytest.raises(LoginFailedError, match="locked after repeated failed logins"):
        accounts.authenticate(admin, "bob", password)  # even the right one
    later = open_context(
        admin.project, actor=admin.actor, clock=lambda: utc_now() + timedelta(hours=1)
    )
    assert accounts.authenticate(later, "bob", password).username == "bob"  # the lock expires
    for _ in range(LOCK_AFTER):
        with pytest.raises(LoginFailedError):
            accounts.authenticate(admin, "bob", "still wrong")
    _, fresh = accounts.reset_password(admin, "bob")
    assert accounts.authenticate(admin, "bob", fresh).must_change
    with pytest.raises(LoginFailedError):
        accounts.authenticate(admin, "bob", password)  # the old one is gone


def test_unknown_users_get_the_same_answer_as_wrong_passwords(admin: Context) -> None:
    with pytest.raises(LoginFailedError, match="^wrong username or password$"):
        accounts.authenticate(admin, "nobody", "whatever password")


def test_disabling_ends_sessions_and_logins(admin: Context) -> None:
    _, password = accounts.add_user(admin, "bob", "viewer")
    assert password is not None
    user = accounts.authenticate(admin, "bob", password)
    assert accounts.session_actor(admin, user.id, user.session_epoch, "x") is not None
    accounts.disable_user(admin, "bob")
    assert accounts.session_actor(admin, user.id, user.session_epoch, "x") is None
    with pytest.raises(LoginFailedError):
        accounts.authenticate(admin, "bob", password)
    accounts.enable_user(admin, "bob")
    assert accounts.authenticate(admin, "bob", password).username == "bob"


def test_changing_the_password_needs_the_current_one(admin: Context) -> None:
    _, password = accounts.add_user(admin, "bob", "viewer")
    assert password is not None
    with pytest.raises(LoginFailedError):
        accounts.change_password(admin, "bob", "wrong current pw", "a brand new password")
    changed = accounts.change_password(admin, "bob", password, "a brand new password")
    assert not changed.must_change
    assert accounts.authenticate(admin, "bob", "a brand new password").username == "bob"


def test_only_admins_of_the_tenant_manage_accounts(project: Path) -> None:
    steward = open_context(project, actor=Actor("sam", "steward", tenant="default"))
    with pytest.raises(PermissionDeniedError, match="sam \\(steward\\) may not admin"):
        accounts.add_user(steward, "bob", "viewer")
    outsider = open_context(project, actor=Actor("eve", "admin", tenant="other"))
    with pytest.raises(PermissionDeniedError, match="belongs to another tenant"):
        accounts.list_users(outsider)


def test_an_account_of_another_tenant_cannot_log_in_here(admin: Context, project: Path) -> None:
    _, password = accounts.add_user(admin, "bob", "viewer")
    assert password is not None
    other = open_context(project)
    other.tenant = "other"  # the same database serving another tenant's project
    with pytest.raises(LoginFailedError, match="wrong username or password"):
        accounts.authenticate(other, "bob", password)
