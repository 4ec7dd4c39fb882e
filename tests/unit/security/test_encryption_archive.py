"""Encryption at rest of what runs keep of the source rows: the run archive, the sources'
scratch and state (the Salesforce copy), the incremental state; results equal those of an
unencrypted project; rotation, and a missing or wrong key named with the file."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, make_url, text

from vmsdq.cli import main
from vmsdq.core import sealed_files, sealing
from vmsdq.core.results import RunResult
from vmsdq.demo import generate_demo
from vmsdq.demo.salesforce.org import serve_mirror
from vmsdq.services import failures, runs, webhooks
from vmsdq.services.context import Context, open_context
from vmsdq.spec.loader import load_project
from vmsdq.store import Database
from vmsdq.store.repos.webhooks import Subscription

from .conftest import ADMIN

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b")
WEBHOOK_SECRET = "whsec_" + "s3cret-signing-value-" * 2


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archive-demo")
    generate_demo(folder, volunteers=300, seed=11, write_truth=False, salesforce=True)
    return folder


@pytest.fixture(scope="module")
def personal(demo_data: Path) -> tuple[set[str], set[str]]:
    """Every email address and phone number in the demo's source files (both systems)."""
    found: list[str] = []
    for path in sorted([*demo_data.glob("data/**/*"), *demo_data.glob("salesforce/*")]):
        if path.suffix in (".csv", ".parquet"):
            table = duckdb.sql(f"SELECT * FROM '{path}'").fetch_arrow_table()
            found += [str(v) for column in table.columns for v in column.to_pylist() if v]
    blob = "\n".join(found)
    return set(EMAIL.findall(blob)), set(PHONE.findall(blob))


def _copy(demo_data: Path, root: Path, *, incremental: bool = True) -> Path:
    shutil.copytree(demo_data, root)
    if incremental:
        config = root / "vmsdq.yaml"
        config.write_text(config.read_text() + "engine: {incremental: true}\n")
    return root


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VMSDQ_DATABASE_URL", sealing.ENV_KEYS, sealing.ENV_KEY_FILE):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> Iterator[str]:
    """The results database of the test: a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'results.db'}"
        monkeypatch.setenv("VMSDQ_DATABASE_URL", url)
        yield url
        Database.close_all()
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    schema = f"vmsdq_enc_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
    migrator = Database(scoped)
    migrator.upgrade()
    migrator.dispose()
    url = scoped.render_as_string(hide_password=False)
    monkeypatch.setenv("VMSDQ_DATABASE_URL", url)
    try:
        yield url
    finally:
        Database.close_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _with_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = sealing.generate_key()
    monkeypatch.setenv(sealing.ENV_KEYS, f"k1:{key}")
    return key


def _texts_of_parquet(path: Path) -> list[str]:
    """Every value of a Parquet file, decoded (decompressed) by a reader without any key."""
    table = pq.read_table(path)
    return [str(v) for column in table.columns for v in column.to_pylist() if v is not None]


def _texts_of_sqlite(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _texts_at_rest(artifacts: Path) -> tuple[list[str], dict[str, int]]:
    """What someone with a copy of the artifact folder but no key can read of every file:
    its bytes, gzip decompressed, Parquet decoded, SQLite dumped; and the file kinds seen."""
    texts: list[str] = []
    kinds: dict[str, int] = {}
    for path in sorted(p for p in artifacts.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        texts.append(raw.decode("latin-1"))
        if raw[:2] == b"\x1f\x8b":
            texts.append(gzip.decompress(raw).decode("latin-1"))
        if raw[-4:] == sealed_files.ENCRYPTED_MAGIC:
            with pytest.raises(OSError, match="encrypted"):  # unreadable without the key
                pq.read_table(path)
            kind = "encrypted parquet"
        elif raw[-4:] == sealed_files.PLAIN_MAGIC:
            texts += _texts_of_parquet(path)
            kind = "plain parquet"
        elif raw[:16] == b"SQLite format 3\x00":
            texts += _texts_of_sqlite(path)
            kind = "sqlite"
        else:
            kind = path.suffix or path.name
        part = path.relative_to(artifacts).parts
        where = part[2] if part[0] == "runs" and len(part) >= 3 else part[0]
        kinds[f"{where}: {kind}"] = kinds.get(f"{where}: {kind}", 0) + 1
    return texts, kinds


def _texts_of_database(url: str) -> list[str]:
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        return _texts_of_sqlite(path) + [p.read_bytes().decode("latin-1") for p in
                                          path.parent.glob(f"{path.name}*")]  # fmt: skip
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return [str(row) for n in names for row in conn.execute(text(f'SELECT * FROM "{n}"'))]
    finally:
        engine.dispose()


def _leaks(texts: list[str], needles: set[str]) -> list[str]:
    blob = "\n".join(texts)
    return sorted(n for n in needles if n in blob)


@pytest.mark.slow
def test_no_personal_value_or_password_is_readable_anywhere_without_the_key(
    demo_data: Path,
    personal: tuple[set[str], set[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database: str,
) -> None:
    emails, phones = personal
    assert len(emails) > 300 and len(phones) > 300
    _with_key(monkeypatch)
    root = _copy(demo_data, tmp_path / "project")
    artifacts = root / ".vmsdq" / "artifacts"
    with serve_mirror(load_project(root)) as (served, org):
        secrets = set(org.source_env().values())
        ctx = open_context(served, actor=ADMIN)
        first = runs.run_now(ctx)
        ctx.repos.webhooks.add_subscription(_subscription(ctx, active=False))
        second = runs.start_run(ctx)  # the second run: incremental, reads the Salesforce state
        plan = ctx.repos.runs.plan(second)
        assert plan is not None
        for view in plan["reads"]:
            runs.read_view(ctx, second, view)
        during, during_kinds = _texts_at_rest(artifacts)  # the sources' scratch files exist
        resumed = runs.resume_run(ctx, second)
        again = runs.run_now(ctx, from_run=first.run_id)
    for run in (first, resumed, again):
        assert run.status == "completed" and all(e.status == "ok" for e in run.entities), [
            (e.entity, e.message) for e in run.entities if e.status != "ok"
        ]
    page = failures.list_failures(ctx, again.run_id, rule="volunteer.email.format", limit=5)
    assert page.items and any("@" in f.values["email"] for f in page.items)  # shown opened
    texts, kinds = _texts_at_rest(artifacts)
    texts += during + _texts_of_database(database)
    assert _leaks(texts, emails) == [] and _leaks(texts, phones) == []
    assert _leaks(texts, secrets | {WEBHOOK_SECRET}) == []
    assert during_kinds.get("work: encrypted parquet", 0) > 0
    assert "work: plain parquet" not in during_kinds
    assert kinds["snapshots: encrypted parquet"] >= 3 * 16  # 8 entities and mirrors, 3 runs
    assert kinds["state: encrypted parquet"] >= 8  # Salesforce copies, incremental state
    assert kinds["failures-index.sqlite: sqlite"] == 1
    assert not [k for k in kinds if k.endswith("plain parquet") and not k.startswith("failures")]
    snapshot = next((artifacts / "runs" / first.run_id / "snapshots").glob("volunteer.*.parquet"))
    readable = sealed_files.read_table(snapshot).column("email").to_pylist()  # with the key
    assert {e for e in readable if e} & emails


def _subscription(ctx: Context, *, active: bool = True) -> Subscription:
    return Subscription(
        id="wh_test",
        url="https://hooks.example.org/in",
        events=["run.completed"],
        secret=WEBHOOK_SECRET,
        description="",
        active=active,
        disabled_reason="",
        failing_since=None,
        created_at=ctx.clock(),
    )


def outcome(ctx: Context, run: RunResult) -> dict[str, object]:
    """What a user sees of a run: every rule's counts, the scores, the failing keys."""
    files = [str(f) for f in ctx.artifacts.failure_files(run.run_id)]
    keys = duckdb.sql(f"SELECT rule, key FROM read_parquet({files}) ORDER BY ALL").fetchall()
    assert run.scores is not None
    return {
        "rules": [(r.rule, r.evaluated, r.failed, str(r.outcome)) for r in run.rules],
        "entities": [(e.entity, e.rows, e.status) for e in run.entities],
        "overall": run.scores.overall,
        "entity_scores": {k: v.score for k, v in run.scores.entities.items()},
        "failing": keys,
    }


def _four_runs(root: Path) -> dict[str, dict[str, object]]:
    """A run, a second (incremental) one, one from the first's archive, one resumed."""
    ctx = open_context(root)
    first = runs.run_now(ctx)
    second = runs.run_now(ctx)
    from_run = runs.run_now(ctx, from_run=first.run_id)
    started = runs.start_run(ctx, run_id="resumed", from_run=first.run_id)
    plan = ctx.repos.runs.plan(started)
    assert plan is not None
    runs.read_view(ctx, started, plan["reads"][0])
    resumed = runs.resume_run(ctx, started)
    found = {"first": first, "second": second, "from_run": from_run, "resumed": resumed}
    return {name: outcome(ctx, run) for name, run in found.items()}


@pytest.mark.slow
def test_an_encrypted_project_gives_the_results_of_a_plain_one(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    plain = _four_runs(_copy(demo_data, tmp_path / "plain"))
    Database.close_all()
    _with_key(monkeypatch)
    root = _copy(demo_data, tmp_path / "sealed")
    sealed = _four_runs(root)
    assert sealed == plain
    rules = {r[0]: r for r in sealed["from_run"]["rules"]}  # type: ignore[attr-defined]
    transitions = [r for name, r in rules.items() if name.endswith("_transition")]
    assert transitions and all(r[1] > 0 for r in transitions)  # read the previous snapshot
    assert sum(r[2] for r in transitions) > 0
    archive = root / ".vmsdq" / "artifacts" / "runs" / "resumed" / "snapshots"
    files = sorted(archive.glob("*.parquet"))
    assert files and all(sealed_files.is_encrypted(f) for f in files)
    assert any(f.name.startswith("event__previous.") for f in files)


def _validate(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--project", str(root), "--format", "json",
                                       "--no-store", *args])  # fmt: skip
    return result.exit_code, result.output


@pytest.mark.slow
def test_rotation_re_encrypts_the_archive_and_a_wrong_or_missing_key_names_the_file(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    key_file = tmp_path / "keys"
    assert CliRunner().invoke(main, ["keys", "init", str(key_file)]).exit_code == 0
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(key_file))
    root = _copy(demo_data, tmp_path / "project")
    ctx = open_context(root)
    first = runs.run_now(ctx, entities=["volunteer", "event"])
    ctx.repos.webhooks.add_subscription(_subscription(ctx, active=False))  # sealed with k1
    expected = outcome(ctx, first)
    archive = root / ".vmsdq" / "artifacts" / "runs" / first.run_id / "snapshots"
    snapshot = next(archive.glob("volunteer.*.parquet"))
    assert sealed_files.key_ids(snapshot) == {"k1"}

    sealing.prepend_key(key_file)  # a newer key: files of k1 still open while k1 is listed
    again = runs.run_now(ctx, entities=["volunteer", "event"], from_run=first.run_id)
    assert outcome(ctx, again)["failing"] == expected["failing"]

    result = CliRunner().invoke(main, ["keys", "rotate", "--project", str(root)])
    assert result.exit_code == 0, result.output
    rewritten = int(re.search(r"(\d+) archive and state file\(s\)", result.output).group(1))  # type: ignore[union-attr]
    assert rewritten >= 8 and "1 webhook secret(s)" in result.output
    assert sealed_files.key_ids(snapshot) == {"k2"}
    stored = ctx.repos.webhooks.subscriptions()[0]
    assert stored.secret == WEBHOOK_SECRET
    lines = key_file.read_text().splitlines()
    key_file.write_text(lines[0] + "\n")  # k1 is gone
    sealing.forget()
    code, output = _validate(root, "--from-run", first.run_id, "--entity", "volunteer")
    assert code in (0, 1), output
    assert '"overall"' in output or "overall" in output

    key_file.write_text(f"k2 {sealing.generate_key()}\n")  # another key of the same id
    code, output = _validate(root, "--from-run", first.run_id, "--entity", "volunteer")
    assert code == 3, output  # the run is incomplete: its entities could not be read
    assert "Traceback" not in output and f"{archive}" in output
    assert "does not open with key 'k2'" in output
    monkeypatch.delenv(sealing.ENV_KEY_FILE)
    code, output = _validate(root, "--from-run", first.run_id, "--entity", "volunteer")
    assert code == 3 and "Traceback" not in output, output
    assert "no key is configured" in output and f"{archive}" in output


def test_a_webhook_secret_is_sealed_in_the_database_and_opened_for_signing(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    _with_key(monkeypatch)
    root = tmp_path / "project"
    shutil.copytree(demo_data, root)
    ctx = open_context(root, actor=ADMIN)
    ctx.repos.webhooks.add_subscription(_subscription(ctx))
    stored = "\n".join(_texts_of_database(database))
    assert WEBHOOK_SECRET not in stored and "vmsdq:enc:1:k1:" in stored
    found = webhooks.get_subscription(ctx, "wh_test")
    assert found.secret == WEBHOOK_SECRET
    body = b'{"type": "run.completed"}'
    signature = webhooks.sign(found.secret, body, timestamp=1_800_000_000)
    expected = webhooks.sign(WEBHOOK_SECRET, body, timestamp=1_800_000_000)
    assert signature == expected
    webhooks.update_subscription(ctx, "wh_test", description="changed")
    assert webhooks.get_subscription(ctx, "wh_test").secret == WEBHOOK_SECRET
    monkeypatch.delenv(sealing.ENV_KEYS)
    with pytest.raises(sealing.EncryptionKeyError, match="no key is configured"):
        webhooks.get_subscription(ctx, "wh_test")
