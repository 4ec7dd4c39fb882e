"""Encryption at rest: failing values and source secrets sealed with AES-256-GCM, readable
through the services, re-sealed by ``vmsdq keys rotate``; keys never from the project."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core import sealing
from vmsdq.core.sealing import EncryptionKeyError, generate_key
from vmsdq.services import accounts, failures, runs, tokens
from vmsdq.services.context import Context

from .conftest import stored_bytes

EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(rb"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b")


@pytest.fixture
def key(project: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    value = generate_key()
    monkeypatch.setenv(sealing.ENV_KEYS, f"k1:{value}")
    return value


def _failure_bytes(project: Path) -> bytes:
    files = (project / ".vmsdq" / "artifacts" / "runs").rglob("failures/*.parquet")
    return b"".join(p.read_bytes() for p in sorted(files))


def _stored_values(project: Path) -> list[str]:
    import pyarrow.parquet as pq

    files = sorted((project / ".vmsdq" / "artifacts" / "runs").rglob("failures/*.parquet"))
    return [v for f in files for v in pq.read_table(f).column("values").to_pylist()]


def _database_bytes(project: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((project / ".vmsdq").glob("results.db*")))


def _source_values(project: Path) -> tuple[set[bytes], set[bytes]]:
    """Every email address and phone number in the demo's source files."""
    import duckdb

    text = []
    for path in sorted((project / "data").rglob("*")):
        if path.suffix in (".csv", ".parquet"):
            table = duckdb.sql(f"SELECT * FROM '{path}'").fetch_arrow_table()
            text += [str(v) for column in table.columns for v in column.to_pylist() if v]
    blob = "\n".join(text).encode()
    return {m for m in EMAIL.findall(blob)}, {m for m in PHONE.findall(blob)}


def test_no_plaintext_personal_data_in_the_database_or_failure_files(
    key: str, admin: Context, project: Path
) -> None:
    _, password = accounts.add_user(admin, "bob", "steward")
    accounts.add_user(admin, "carol", "viewer", "carol's long password")
    _, token = tokens.create_token(admin, "ci", "steward")
    run = runs.run_now(admin)
    page = failures.list_failures(admin, run.run_id, rule="volunteer.email.format", limit=5)
    shown = [f.values for f in page.items]
    assert shown and all("email" in v for v in shown)  # the services show the values
    emails, phones = _source_values(project)
    assert len(emails) > 100 and len(phones) > 100
    stored = _failure_bytes(project) + _database_bytes(project)
    assert [e for e in emails if e in stored] == []
    assert [p for p in phones if p in stored] == []
    assert password is not None
    secrets = [password, "carol's long password", token, key]
    assert [s for s in secrets if s.encode() in stored_bytes(project)] == []
    values = _stored_values(project)
    assert values and all(v.startswith("vmsdq:enc:1:k1:") for v in values)
    exported = b"".join(
        failures.export_failures(admin, run.run_id, "volunteer.email.format", "csv")
    )
    assert shown[0]["email"].encode() in exported


def test_rotation_reseals_with_the_new_key_and_the_old_key_can_go(
    monkeypatch: pytest.MonkeyPatch, admin: Context, project: Path, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys"
    code = CliRunner().invoke(main, ["keys", "init", str(key_file)])
    assert code.exit_code == 0 and "wrote key k1" in code.output
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(key_file))
    run = runs.run_now(admin, entities=["volunteer"])
    before = failures.list_failures(admin, run.run_id, limit=20).items
    assert all(v.startswith("vmsdq:enc:1:k1:") for v in _stored_values(project))
    result = CliRunner().invoke(main, ["keys", "rotate", "--new-key", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "re-sealed with key k2: 1 failure file(s)" in result.output
    assert "keys no longer needed by this project: k1" in result.output
    assert all(v.startswith("vmsdq:enc:1:k2:") for v in _stored_values(project))
    lines = key_file.read_text().splitlines()
    key_file.write_text(lines[0] + "\n")  # drop the old key
    assert failures.list_failures(admin, run.run_id, limit=20).items == before


def test_a_sealed_source_url_opens_only_with_its_key(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.sources.sql_url import resolve_url
    from vmsdq.spec.models import SqlSourceSpec

    result = CliRunner().invoke(main, ["keys", "seal"], input="postgresql://vms:s3cret-pw@db/vms\n")
    assert result.exit_code == 0 and "s3cret" not in result.output
    sealed = result.output.strip()
    spec = SqlSourceSpec(type="sql", url=sealed)
    url = resolve_url("vms", spec, root=Path("."))
    assert url.url.password == "s3cret-pw" and "s3cret" not in url.safe
    monkeypatch.setenv(sealing.ENV_KEYS, f"k1:{generate_key()}")  # another key of that id
    with pytest.raises(EncryptionKeyError, match="does not open with key 'k1'"):
        resolve_url("vms", spec, root=Path("."))
    monkeypatch.delenv(sealing.ENV_KEYS)
    with pytest.raises(EncryptionKeyError, match="no key is configured"):
        resolve_url("vms", spec, root=Path("."))


def test_bad_keys_are_refused_without_showing_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(sealing.ENV_KEYS, "k1:c2hvcnQ=")
    with pytest.raises(EncryptionKeyError, match="key 'k1' is not 32 bytes") as info:
        sealing.seal("x", "test")
    assert "c2hvcnQ" not in str(info.value)
    monkeypatch.delenv(sealing.ENV_KEYS)
    loose = tmp_path / "keys"
    loose.write_text(f"k1 {generate_key()}\n")
    os.chmod(loose, 0o644)
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(loose))
    with pytest.raises(EncryptionKeyError, match="readable by others: chmod 600"):
        sealing.seal("x", "test")
    assert "Keyring(ids=" in repr(sealing.Keyring(((("k1", b"x" * 32),)), "env"))
