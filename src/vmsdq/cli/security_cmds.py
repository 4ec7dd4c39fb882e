"""``vmsdq users``, ``vmsdq tokens`` and ``vmsdq audit``: accounts, API tokens, the log.

The command line acts as an admin of the project's tenant (it runs on the project's machine,
with access to its files); every change it makes is recorded under ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vmsdq.cli import main
from vmsdq.cli.errors import USAGE, fail, handled
from vmsdq.cli.options import PROJECT

if TYPE_CHECKING:
    from vmsdq.services.context import Context

ROLE = click.Choice(["viewer", "steward", "admin"])


def admin_context(project_dir: Path) -> Context:
    from vmsdq.services.context import Actor, open_context

    return open_context(project_dir, actor=Actor(f"cli:{getpass.getuser()}", "admin", origin="cli"))


def _show_secret(label: str, secret: str) -> None:
    click.echo(f"{label} (shown once, store it now): {secret}")


@main.group()
def users() -> None:
    """Accounts of the project's tenant (argon2id passwords, lock-out, one-time passwords)."""


@users.command("add")
@PROJECT
@click.argument("username")
@click.option("--role", type=ROLE, default="viewer", show_default=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating a one-time password.",
)
def users_add(project_dir: Path, username: str, role: str, password_stdin: bool) -> None:
    """Add an account; prints its one-time password (changed at the first login)."""
    from vmsdq.services.accounts import add_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with handled():
        user, generated = add_user(admin_context(project_dir), username, role, password)
    click.echo(f"added {user.username} ({user.role}) in tenant {user.tenant}")
    if generated:
        _show_secret("one-time password", generated)


@users.command("list")
@PROJECT
def users_list(project_dir: Path) -> None:
    """The tenant's accounts."""
    from vmsdq.services.accounts import list_users

    with handled():
        found = list_users(admin_context(project_dir))
    for u in found:
        state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
        click.echo(f"{u.username}\t{u.role}\t{state}\tlast login {u.last_login_at or 'never'}")
    if not found:
        click.echo("no accounts: the web app acts as the local admin until one is added")


@users.command("disable")
@PROJECT
@click.argument("username")
def users_disable(project_dir: Path, username: str) -> None:
    """Refuse further logins and end the account's sessions."""
    from vmsdq.services.accounts import disable_user

    with handled():
        disable_user(admin_context(project_dir), username)
    click.echo(f"disabled {username}")


@users.command("enable")
@PROJECT
@click.argument("username")
def users_enable(project_dir: Path, username: str) -> None:
    """Allow logins again (and lift a lock-out)."""
    from vmsdq.services.accounts import enable_user

    with handled():
        enable_user(admin_context(project_dir), username)
    click.echo(f"enabled {username}")


@users.command("reset")
@PROJECT
@click.argument("username")
def users_reset(project_dir: Path, username: str) -> None:
    """A new one-time password; unlocks the account and ends its sessions."""
    from vmsdq.services.accounts import reset_password

    with handled():
        _user, secret = reset_password(admin_context(project_dir), username)
    click.echo(f"reset {username}")
    _show_secret("one-time password", secret)


@main.group()
def tokens() -> None:
    """API tokens (Authorization: Bearer), scoped to a role and the project's tenant."""


@tokens.command("create")
@PROJECT
@click.argument("name")
@click.option("--role", type=ROLE, default="viewer", show_default=True)
@click.option("--days", type=int, default=90, show_default=True, help="Days until it expires.")
@click.option("--no-expiry", is_flag=True, help="Never expires (not for admin tokens).")
def tokens_create(project_dir: Path, name: str, role: str, days: int, no_expiry: bool) -> None:
    """Create a token; prints it once (only its hash is stored)."""
    from vmsdq.services.tokens import create_token

    with handled():
        record, secret = create_token(
            admin_context(project_dir), name, role, days=None if no_expiry else days
        )
    expiry = record.expires_at.isoformat() if record.expires_at else "never"
    click.echo(f"token {record.id} '{record.name}' ({record.role}), expires {expiry}")
    _show_secret("token", secret)


@tokens.command("list")
@PROJECT
def tokens_list(project_dir: Path) -> None:
    """The tenant's tokens (never their secrets)."""
    from vmsdq.services.tokens import list_tokens

    with handled():
        found = list_tokens(admin_context(project_dir))
    for t in found:
        state = (
            f"revoked {t.revoked_at:%Y-%m-%d}"
            if t.revoked_at
            else (f"expires {t.expires_at:%Y-%m-%d}" if t.expires_at else "never expires")
        )
        click.echo(f"{t.id}\t{t.name}\t{t.role}\t{state}\tby {t.created_by}")
    if not found:
        click.echo("no tokens")


@tokens.command("revoke")
@PROJECT
@click.argument("token_id")
def tokens_revoke(project_dir: Path, token_id: str) -> None:
    """Revoke a token at once (by the id `tokens list` shows)."""
    from vmsdq.services.tokens import revoke_token

    with handled():
        revoke_token(admin_context(project_dir), token_id)
    click.echo(f"revoked {token_id}")


@main.group()
def audit() -> None:
    """The audit log: who changed what, and who saw row-level personal data."""


@audit.command("verify")
@PROJECT
def audit_verify(project_dir: Path) -> None:
    """Check every hash chain of the results database; exit 1 when an entry was edited or
    deleted."""
    from vmsdq.services.audit import verify_database

    with handled():
        reports = verify_database(project_dir)
    broken = [r for r in reports if not r.ok]
    for r in reports:
        state = "ok" if r.ok else "BROKEN"
        click.echo(f"{r.tenant}/{r.project}: {r.entries} entries, {state}")
        for problem in r.problems:
            click.echo(f"  {problem}")
    if not reports:
        click.echo("no audit log yet")
    if broken:
        fail(f"audit log tampered with in {len(broken)} chain(s)", 1)


@audit.command("show")
@PROJECT
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--action", default=None, help="Only entries of this action (e.g. user.add).")
def audit_show(project_dir: Path, limit: int, action: str | None) -> None:
    """The newest entries."""
    from vmsdq.services.audit import entries

    with handled():
        page = entries(admin_context(project_dir), limit=limit, action=action)
    for e in page.items:
        click.echo(
            f"{e.seq}\t{e.at:%Y-%m-%d %H:%M:%S}\t{e.actor} ({e.role}) from {e.origin}\t"
            f"{e.action}\t{e.target}"
        )


@audit.command("export")
@PROJECT
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def audit_export(project_dir: Path, fmt: str, output: Path) -> None:
    """Write the whole log (oldest first) to a file; the export itself is recorded."""
    from vmsdq.services.audit import export

    with handled():
        chunks = export(admin_context(project_dir), fmt)
        with output.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    if not output.is_file():
        fail(f"could not write {output}", USAGE)
    click.echo(f"wrote {output}")


@main.group()
def keys() -> None:
    """Encryption at rest (AES-256-GCM): keys from $VMSDQ_ENCRYPTION_KEYS or $VMSDQ_KEY_FILE."""


@keys.command("init")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
def keys_init(key_file: Path) -> None:
    """Write a new key file (owner-only); point $VMSDQ_KEY_FILE at it. Keep it outside the
    project and the artifact folder, and back it up: sealed data cannot be read without it."""
    from vmsdq.services.keys import init_key_file

    with handled():
        key_id = init_key_file(key_file)
    click.echo(f"wrote key {key_id} to {key_file}; export VMSDQ_KEY_FILE={key_file}")


@keys.command("seal")
def keys_seal() -> None:
    """Seal a secret read from standard input (a source URL with a password): paste the
    output as the source's `url:` or into the variable its `url_env` names."""
    from vmsdq.services.keys import seal_secret

    secret = sys.stdin.readline().rstrip("\n")
    if not secret:
        fail("nothing to seal on standard input", USAGE)
    with handled():
        click.echo(seal_secret(secret))


@keys.command("seal-file")
@PROJECT
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def keys_seal_file(project_dir: Path, path: Path) -> None:
    """Seal a source's secrets file in place."""
    from vmsdq.services.keys import seal_file

    with handled():
        seal_file(admin_context(project_dir), path)
    click.echo(f"sealed {path}")


@keys.command("rotate")
@PROJECT
@click.option("--new-key", is_flag=True, help="Add a new newest key to $VMSDQ_KEY_FILE first.")
def keys_rotate(project_dir: Path, new_key: bool) -> None:
    """Re-seal failure files, the run archive and the sources' state, webhook secrets, sealed
    secrets files and sealed values in vmsdq.yaml with the newest key."""
    from vmsdq.services.keys import rotate

    with handled():
        report = rotate(admin_context(project_dir), new_key=new_key)
    click.echo(
        f"re-sealed with key {report.key}: {report.failure_files} failure file(s), "
        f"{report.data_files} archive and state file(s), {report.webhook_secrets} webhook "
        f"secret(s), {len(report.secrets_files)} secrets file(s), {report.yaml_values} value(s) "
        "in vmsdq.yaml"
    )
    if report.retired:
        click.echo(f"keys no longer needed by this project: {', '.join(report.retired)}")


def demo_admin(project_dir: Path) -> None:
    """The demo's local admin: created once with a one-time password, printed here only."""
    from vmsdq.services.accounts import add_user, list_users

    with handled():
        ctx = admin_context(project_dir)
        if any(u.username == "admin" for u in list_users(ctx)):
            click.echo("Log in as admin (`vmsdq users reset admin` prints a new one-time password)")
            return
        _user, password = add_user(ctx, "admin", "admin")
    assert password is not None
    click.echo(
        f"Log in as admin with the one-time password {password} (shown once; you "
        "choose your own at the first login)"
    )
