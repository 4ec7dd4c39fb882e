"""The results database on the real PostgreSQL, each test in a schema of its own: migrations,
the explicit upgrade, and two tenants with two projects each sharing one database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, make_url, text

from vmsdq.cli import main
from vmsdq.core.errors import NotFoundError
from vmsdq.services import settings
from vmsdq.services.context import open_context
from vmsdq.services.failures import export_failures, list_failures
from vmsdq.services.runs import get_run, list_runs, run_now
from vmsdq.store import Database, StoreOutdatedError
from vmsdq.store.migrate import current_revision, head_revision
from vmsdq.store.models import Base

pytestmark = pytest.mark.integration


@pytest.fixture
def schema_url(postgres_url: str) -> Iterator[str]:
    """A fresh schema (dropped afterwards) and a URL whose search_path points at it."""
    schema = f"vmsdq_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        Database.close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def upgraded(url: str) -> None:
    db = Database(make_url(url))
    db.upgrade()
    db.dispose()


def test_migrations_build_the_model_schema(schema_url: str) -> None:
    upgraded(schema_url)
    db = Database.connect(schema_url)
    assert current_revision(db.engine) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {"runs", "run_steps", "entity_results", "rule_results", "scores"} <= tables
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_a_server_database_is_upgraded_only_on_request(schema_url: str) -> None:
    with pytest.raises(StoreOutdatedError, match=r"run `vmsdq db upgrade`"):
        Database.connect(schema_url)
    with ThreadPoolExecutor(max_workers=4) as pool:  # several workers upgrading at once
        list(pool.map(lambda _: upgraded(schema_url), range(4)))
    assert current_revision(Database.connect(schema_url).engine) == head_revision()


PROJECT = """\
name: {project}
tenant: {tenant}
sources: {{vms: {{type: files, path: data}}}}
default_source: vms
store: {{url: "{url}"}}
"""
ENTITY = """\
entity: volunteer
key: id
fields:
  id: {required: true, unique: true}
  email: {format: email}
"""


def make_project(root: Path, tenant: str, project: str, url: str, emails: list[str]) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT.format(project=project, tenant=tenant, url=url))
    (root / "entities" / "volunteer.yaml").write_text(ENTITY)
    lines = ["id,email"] + [f"{tenant}-{project}-{i},{e}" for i, e in enumerate(emails)]
    (root / "data" / "volunteer.csv").write_text("\n".join(lines) + "\n")
    return root


def test_store_url_in_vmsdq_yaml_is_used_and_db_upgrade_prepares_it(
    schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMSDQ_DATABASE_URL", raising=False)
    root = make_project(tmp_path / "p", "acme", "vms", schema_url, ["a@b.org", "bad"])
    refused = CliRunner().invoke(main, ["validate", "--project", str(root)])
    assert refused.exit_code == 2 and "run `vmsdq db upgrade`" in refused.output
    upgraded_out = CliRunner().invoke(main, ["db", "upgrade", "--project", str(root)])
    assert upgraded_out.exit_code == 0, upgraded_out.output
    assert f"schema none -> {head_revision()}" in upgraded_out.output
    ran = CliRunner().invoke(main, ["validate", "--project", str(root), "--format", "json"])
    assert ran.exit_code == 0, ran.output
    assert not (root / ".vmsdq" / "results.db").exists()  # nothing went to the SQLite default
    assert [r.project for r in list_runs(open_context(root)).items] == ["vms"]


def test_two_tenants_and_two_projects_share_one_database_and_see_only_their_own(
    schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMSDQ_DATABASE_URL", raising=False)
    upgraded(schema_url)
    scopes = [(t, p) for t in ("acme", "globex") for p in ("vms", "crm")]
    contexts, run_ids = {}, {}
    for i, (tenant, project) in enumerate(scopes):
        emails = ["ok@example.org"] + ["not-an-email"] * (i + 1)
        root = make_project(tmp_path / f"{tenant}-{project}", tenant, project, schema_url, emails)
        ctx = open_context(root)
        contexts[(tenant, project)] = ctx
        run_ids[(tenant, project)] = run_now(ctx).run_id
        settings.update(ctx, "target", str(80 + i))
    for i, scope in enumerate(scopes):
        ctx = contexts[scope]
        mine = run_ids[scope]
        assert [r.run_id for r in list_runs(ctx).items] == [mine]
        failing = list_failures(ctx, mine, rule="volunteer.email.format").items
        assert len(failing) == i + 1 and all(f.key.startswith("-".join(scope)) for f in failing)
        exported = b"".join(export_failures(ctx, mine, "volunteer.email.format", "csv"))
        assert exported.count(b"not-an-email") == i + 1
        assert settings.in_force(ctx).settings.scoring.target == 80 + i
        assert [c.version for c in settings.history(ctx)] == [1, 2]
        for other, theirs in run_ids.items():
            if other == scope:
                continue
            with pytest.raises(NotFoundError):
                get_run(ctx, theirs)
            with pytest.raises(NotFoundError):
                list_failures(ctx, theirs)


def test_rule_history_and_the_varying_series_on_postgresql(schema_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from vmsdq.core.results import EntityResult, RuleResult
    from vmsdq.core.words import Dimension, Outcome, Severity
    from vmsdq.store import Repositories

    def result(name: str, evaluated: int, failed: int) -> RuleResult:
        outcome = Outcome.failed if failed else Outcome.passed
        return RuleResult(
            name, "volunteer", "expression", Dimension.validity, Severity.error, 1.0,
            evaluated, failed, outcome,
        )  # fmt: skip

    upgraded(schema_url)
    db = Database.connect(schema_url)
    t0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
    for tenant, step in (("acme", 1), ("globex", 0)):
        repos = Repositories(db, tenant, "vms")
        for day in range(4):
            run_id = f"{tenant}{day}"
            repos.runs.create(run_id, t0 + timedelta(days=day), {"entities": ["volunteer"]}, [])
            rules = [
                result("volunteer.flat", 100, 2),
                result("volunteer.moves", 100, step * day),
                result("volunteer.same_share", 3 * (day + 1), day + 1),  # a third each run
            ]
            repos.results.save_entity(run_id, 0, EntityResult("volunteer", 100, rules=rules))
            repos.runs.set_status(run_id, "completed", t0)
    acme, globex = (Repositories(db, t, "vms").history for t in ("acme", "globex"))
    every = acme.rules(since=t0)
    assert [p.run_id for p in every["volunteer.moves"]] == ["acme0", "acme1", "acme2", "acme3"]
    assert [p.score for p in every["volunteer.moves"]] == [100.0, 99.0, 98.0, 97.0]
    assert acme.rules(limit=1000) == every
    assert acme.varying_rules(t0, 3) == {"volunteer.moves": every["volunteer.moves"]}
    assert globex.varying_rules(t0, 3) == {}  # globex's own series are all flat
