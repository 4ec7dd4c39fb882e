"""``vmsdq users`` and ``vmsdq tokens`` from the command line."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.services import accounts, tokens
from vmsdq.services.context import open_context


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def test_users_add_reset_disable(project: Path) -> None:
    p = str(project)
    code, out = _run("users", "add", "bob", "--role", "steward", "--project", p)
    assert code == 0, out
    password = re.search(r"one-time password \(shown once, store it now\): (\S+)", out)
    assert password is not None
    ctx = open_context(project)
    assert accounts.authenticate(ctx, "bob", password.group(1)).role == "steward"
    code, out = _run("users", "add", "bob", "--project", p)
    assert code == 2 and "user 'bob' exists already" in out
    code, out = _run("users", "reset", "bob", "--project", p)
    fresh = re.search(r"store it now\): (\S+)", out)
    assert code == 0 and fresh is not None and fresh.group(1) != password.group(1)
    code, out = _run("users", "disable", "bob", "--project", p)
    assert code == 0 and "disabled bob" in out
    code, out = _run("users", "list", "--project", p)
    assert "bob\tsteward\tdisabled" in out
    code, out = _run("users", "disable", "nobody", "--project", p)
    assert code == 2 and "no user 'nobody'" in out


def test_users_add_reads_a_chosen_password_from_stdin(project: Path) -> None:
    code, out = _run(
        "users",
        "add",
        "carol",
        "--password-stdin",
        "--project",
        str(project),
        stdin="correct horse battery\n",
    )
    assert code == 0 and "one-time" not in out
    ctx = open_context(project)
    assert not accounts.authenticate(ctx, "carol", "correct horse battery").must_change


def test_tokens_create_list_revoke(project: Path) -> None:
    p = str(project)
    code, out = _run(
        "tokens", "create", "nightly", "--role", "steward", "--days", "7", "--project", p
    )
    assert code == 0, out
    found = re.search(r"token (\w+) 'nightly' \(steward\).*\n.*store it now\): (\S+)", out)
    assert found is not None
    token_id, secret = found.groups()
    code, out = _run("tokens", "list", "--project", p)
    assert token_id in out and secret not in out
    ctx = open_context(project)
    assert tokens.token_actor(ctx, secret, "x") is not None
    code, out = _run("tokens", "revoke", token_id, "--project", p)
    assert code == 0 and f"revoked {token_id}" in out
    assert tokens.token_actor(ctx, secret, "x") is None
    code, out = _run("tokens", "create", "root", "--role", "admin", "--no-expiry", "--project", p)
    assert code == 2 and "an admin token must expire" in out
