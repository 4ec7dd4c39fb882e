"""Accounts: argon2id-hashed passwords, one-time passwords, lock-out after repeated failures.

Admins add, disable and reset accounts of their tenant; a reset or a new account gets a
generated one-time password, shown once, that must be changed at the first login.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from vmsdq.core.errors import ConfigError, NotFoundError, PermissionDeniedError
from vmsdq.services import audit
from vmsdq.services.context import ROLES, Actor, Context
from vmsdq.store.repos.users import UserRecord

if TYPE_CHECKING:
    from argon2 import PasswordHasher

LOCK_AFTER = 5  # failed logins in a row
LOCK_FOR = timedelta(minutes=15)
MIN_LENGTH, MAX_LENGTH = 12, 128  # OWASP ASVS 2.1.1 / 2.1.2
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


class LoginFailedError(PermissionDeniedError):
    """Wrong username or password, a disabled account or a locked one."""


@cache
def hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def check_username(name: str) -> str:
    if not _USERNAME.match(name or ""):
        raise ConfigError(
            f"username '{name}' is not allowed: letters, digits and _ . @ + - "
            "(starting with a letter or digit, at most 100 characters)"
        )
    return name


def check_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ConfigError(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"role '{role}' is not one of: {', '.join(ROLES)}")
    return role


def one_time_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def add_user(
    ctx: Context, username: str, role: str, password: str | None = None
) -> tuple[UserRecord, str | None]:
    """A new account of this tenant; without ``password`` a one-time one is made and
    returned (the only time it is ever shown)."""
    ctx.require("admin")
    check_username(username)
    check_role(role)
    generated = None if password is not None else one_time_password()
    secret = check_password(password) if password is not None else generated
    assert secret is not None
    user = ctx.repos.users.add(
        ctx.tenant, username, hasher().hash(secret), role, ctx.clock(), must_change=bool(generated)
    )
    audit.record(ctx, "user.add", username, role=role)
    return user, generated


def list_users(ctx: Context) -> list[UserRecord]:
    ctx.require("admin")
    return ctx.repos.users.list(ctx.tenant)


def disable_user(ctx: Context, username: str) -> UserRecord:
    """No more logins; every session of the account ends at its next request."""
    user = _own(ctx, username)
    changed = ctx.repos.users.change(username, disabled=True, session_epoch=user.session_epoch + 1)
    audit.record(ctx, "user.disable", username)
    return changed


def enable_user(ctx: Context, username: str) -> UserRecord:
    _own(ctx, username)
    changed = ctx.repos.users.change(username, disabled=False, failed_logins=0, locked_until=None)
    audit.record(ctx, "user.enable", username)
    return changed


def reset_password(ctx: Context, username: str) -> tuple[UserRecord, str]:
    """A new one-time password (shown once); unlocks the account and ends its sessions."""
    user = _own(ctx, username)
    secret = one_time_password()
    changed = ctx.repos.users.change(
        username,
        password_hash=hasher().hash(secret),
        must_change=True,
        failed_logins=0,
        locked_until=None,
        session_epoch=user.session_epoch + 1,
    )
    audit.record(ctx, "user.reset", username)
    return changed, secret


def change_password(ctx: Context, username: str, current: str, new: str) -> UserRecord:
    """The account's own password change (the current one is asked again)."""
    user = authenticate(ctx, username, current)
    check_password(new)
    if new == current:
        raise ConfigError("the new password must differ from the current one")
    changed = ctx.repos.users.change(
        username,
        password_hash=hasher().hash(new),
        must_change=False,
        session_epoch=user.session_epoch + 1,
    )
    audit.record(ctx, "user.password", username)
    return changed


def authenticate(ctx: Context, username: str, password: str) -> UserRecord:
    """The account when ``password`` is right and it may log in; LoginFailedError otherwise
    (the same message whether the username exists or not; a wrong password is counted)."""
    from argon2.exceptions import VerificationError

    now = ctx.clock()
    user = ctx.repos.users.get(username) if _USERNAME.match(username or "") else None
    if user is None or user.tenant != ctx.tenant:
        _verify_dummy(password)
        audit.record(ctx, "login.failed", username[:200], reason="unknown user")
        raise LoginFailedError("wrong username or password")
    if user.locked_until is not None and user.locked_until > now:
        audit.record(ctx, "login.failed", username, reason="locked")
        raise LoginFailedError(
            "this account is locked after repeated failed logins: try again later, "
            "or ask an admin to reset it"
        )
    try:
        hasher().verify(user.password_hash, password)
    except VerificationError:
        count = ctx.repos.users.failed(user.id, LOCK_AFTER, now + LOCK_FOR)
        locked = count >= LOCK_AFTER
        audit.record(ctx, "login.failed", username, reason="password", locked=locked or None)
        raise LoginFailedError("wrong username or password") from None
    if user.disabled:
        audit.record(ctx, "login.failed", username, reason="disabled")
        raise LoginFailedError("wrong username or password")
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if hasher().check_needs_rehash(user.password_hash):
        values["password_hash"] = hasher().hash(password)
    return ctx.repos.users.change(username, **values)


def session_actor(ctx: Context, user_id: int, epoch: int, origin: str) -> Actor | None:
    """The actor of a logged-in session, or None when the session no longer holds (account
    disabled, password reset or changed, logged out everywhere)."""
    user = ctx.repos.users.by_id(user_id)
    if user is None or user.disabled or user.session_epoch != epoch:
        return None
    return Actor(user.username, user.role, tenant=user.tenant, origin=origin)


def user_by_id(ctx: Context, user_id: int) -> UserRecord | None:
    return ctx.repos.users.by_id(user_id)


def logged_in(ctx: Context, user: UserRecord) -> None:
    audit.record(ctx, "login", user.username)


def logged_out(ctx: Context, username: str) -> None:
    audit.record(ctx, "logout", username)


def accounts_exist(ctx: Context) -> bool:
    """Whether any account or token exists (then nobody acts as the local admin)."""
    return ctx.repos.users.any() or ctx.repos.tokens.any()


def _own(ctx: Context, username: str) -> UserRecord:
    ctx.require("admin")
    user = ctx.repos.users.get(username)
    if user is None or user.tenant != ctx.tenant:
        raise NotFoundError(f"no user '{username}' in tenant '{ctx.tenant}'")
    return user


def _verify_dummy(password: str) -> None:
    """As slow as a real check, so timing does not tell which usernames exist."""
    from argon2.exceptions import VerificationError

    with contextlib.suppress(VerificationError):
        hasher().verify(_dummy_hash(), password)
