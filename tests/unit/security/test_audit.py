"""The audit log: state changes and views of personal data on record; tampering detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from vmsdq.cli import main
from vmsdq.core.errors import PermissionDeniedError
from vmsdq.services import accounts, audit, failures, runs, settings, tokens
from vmsdq.services.context import Actor, Context, open_context


def _actions(ctx: Context) -> list[str]:
    return [e.action for e in reversed(audit.entries(ctx, limit=1000).items)]


def test_changes_and_row_views_are_recorded_with_who_and_where(admin: Context) -> None:
    accounts.add_user(admin, "bob", "viewer")
    _, secret = tokens.create_token(admin, "ci", "steward")
    settings.update(admin, "target", "90")
    run = runs.run_now(admin, entities=["district"])
    failures.list_failures(admin, run.run_id, search="x")
    found = audit.entries(admin, limit=1000).items
    assert _actions(admin) == [
        "user.add",
        "token.create",
        "settings.update",
        "run.start",
        "rows.view",
    ]
    newest = found[0]
    assert (newest.actor, newest.role, newest.origin) == ("alice", "admin", "203.0.113.9")
    assert newest.target == run.run_id and newest.detail == {"search": "x"}
    assert secret not in json.dumps([e.to_dict() for e in found])  # never the token


def test_only_admins_read_or_export_the_log(project: Path, admin: Context) -> None:
    accounts.add_user(admin, "bob", "viewer")
    steward = open_context(project, actor=Actor("sam", "steward", tenant="default"))
    with pytest.raises(PermissionDeniedError):
        audit.entries(steward)
    with pytest.raises(PermissionDeniedError):
        audit.export(steward, "csv")
    exported = b"".join(audit.export(admin, "csv")).decode()
    assert exported.splitlines()[0] == "seq,at,actor,role,origin,action,target,detail,hash"
    assert ",user.add,bob," in exported
    assert _actions(admin)[-1] == "audit.export"  # the export itself is on record


def _tamper(project: Path, sql: str) -> None:
    from vmsdq.services.context import load, store_url
    from vmsdq.store import Database

    db = Database.connect(store_url(load(project)))
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def _verify(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify", "--project", str(project)])
    return result.exit_code, result.output


def _three_entries(admin: Context) -> None:
    for name in ("bob", "carol", "dave"):
        accounts.add_user(admin, name, "viewer")


def test_verify_passes_an_untouched_chain(project: Path, admin: Context) -> None:
    _three_entries(admin)
    code, output = _verify(project)
    assert code == 0, output
    assert "default/vms: 3 entries, ok" in output


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE audit_log SET target = 'mallory' WHERE seq = 2", "entry 2 was changed"),
        ("UPDATE audit_log SET actor = 'someone' WHERE seq = 1", "entry 1 was changed"),
        ("DELETE FROM audit_log WHERE seq = 2", "entries 2..2 are missing"),
        ("DELETE FROM audit_log WHERE seq = 3", "the newest entries were deleted"),
        ("DELETE FROM audit_heads", "head record is missing"),
    ],
)
def test_verify_finds_an_edited_or_deleted_entry(
    project: Path, admin: Context, sql: str, message: str
) -> None:
    _three_entries(admin)
    _tamper(project, sql)
    code, output = _verify(project)
    assert code == 1
    assert "BROKEN" in output and message in output
    assert "audit log tampered with in 1 chain(s)" in output
