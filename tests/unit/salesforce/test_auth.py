"""Each auth mode against the fake org; credentials never leak into messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vmsdq.core.errors import TerminalError
from vmsdq.demo.salesforce.fake_server import FakeCredentials, FakeSalesforce
from vmsdq.sources.salesforce import SalesforceSource
from vmsdq.sources.salesforce.errors import SalesforceAuthError, SalesforceConfigError
from vmsdq.spec.models import SalesforceSourceSpec

from .conftest import FAST_BULK, FAST_RETRY, SourceFactory, contacts, volunteer_entity


def _source(spec: SalesforceSourceSpec, tmp_path: Path) -> SalesforceSource:
    return SalesforceSource(
        "crm", spec, root=tmp_path, artifacts=tmp_path / "art", retry=FAST_RETRY, bulk=FAST_BULK
    )


def _keys(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "server.key"
    path.write_bytes(private)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public


def test_password_login_reads(org: FakeSalesforce, make_source: SourceFactory) -> None:
    snap = make_source().read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert org.logins == 1


def test_jwt_bearer_login_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file, public = _keys(tmp_path)
    creds = FakeCredentials(public_key_pem=public)
    with FakeSalesforce({"Contact": contacts(4)}, credentials=creds) as org:
        monkeypatch.setenv("JWT_USERNAME", creds.username)
        monkeypatch.setenv("JWT_CONSUMER_KEY", creds.consumer_key)
        monkeypatch.setenv("JWT_PRIVATE_KEY_FILE", key_file.name)  # relative to the root
        spec = SalesforceSourceSpec(
            type="salesforce", auth="jwt", domain=org.url, env_prefix="JWT_"
        )
        snap = _source(spec, tmp_path).read(volunteer_entity())
        assert snap.table is not None and snap.table.num_rows == 4
        assert org.logins == 1

        (tmp_path / "other").mkdir()
        other_key, _ = _keys(tmp_path / "other")  # not the key the org trusts
        monkeypatch.setenv("JWT_PRIVATE_KEY_FILE", str(other_key))
        with pytest.raises(SalesforceAuthError, match="invalid_grant: invalid assertion"):
            _source(spec, tmp_path).read(volunteer_entity())


def test_session_id_auth_reads_and_cannot_relogin(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = org.issue_session()
    monkeypatch.setenv("SID_INSTANCE_URL", org.url)
    monkeypatch.setenv("SID_SESSION_ID", sid)
    spec = SalesforceSourceSpec(type="salesforce", auth="session", env_prefix="SID_")
    snap = _source(spec, tmp_path).read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert org.logins == 0

    org.expire_sessions()
    with pytest.raises(SalesforceAuthError, match="cannot log in again") as info:
        _source(spec, tmp_path).read(volunteer_entity())
    assert sid not in str(info.value)
    assert "entity 'volunteer'" in str(info.value)


def test_secrets_file_supplies_credentials(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = org.credentials
    secrets = tmp_path / "secrets" / "salesforce.json"
    secrets.parent.mkdir()
    secrets.write_text(
        json.dumps(
            {
                "username": creds.username,
                "password": creds.password,
                "security_token": creds.security_token,
            }
        )
    )
    monkeypatch.delenv("FILE_PASSWORD", raising=False)
    spec = SalesforceSourceSpec(
        type="salesforce",
        domain=org.url,
        env_prefix="FILE_",
        secrets_file="secrets/salesforce.json",
    )
    snap = _source(spec, tmp_path).read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10


def test_bad_secrets_file_names_keys_not_values(org: FakeSalesforce, tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("usr: someone\npassword: hunter2-secret\n")
    spec = SalesforceSourceSpec(type="salesforce", domain=org.url, secrets_file="s.yaml")
    with pytest.raises(SalesforceConfigError, match=r"unknown keys \['usr'\]") as info:
        _source(spec, tmp_path).read(volunteer_entity())
    assert "hunter2-secret" not in str(info.value)


def test_missing_credentials_say_which_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("USERNAME", "PASSWORD", "SECURITY_TOKEN"):
        monkeypatch.delenv(f"NONE_{name}", raising=False)
    monkeypatch.setenv("NONE_USERNAME", "someone@example.org")
    spec = SalesforceSourceSpec(type="salesforce", env_prefix="NONE_")
    with pytest.raises(SalesforceAuthError) as info:
        _source(spec, tmp_path).read(volunteer_entity())
    assert str(info.value) == (
        "source 'crm': auth 'password' needs password, security_token; "
        "set NONE_PASSWORD, NONE_SECURITY_TOKEN"
    )
    assert isinstance(info.value, TerminalError)


def test_failed_login_message_has_no_password_or_token(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAD_USERNAME", org.credentials.username)
    monkeypatch.setenv("BAD_PASSWORD", "Wrong-Passw0rd!")
    monkeypatch.setenv("BAD_SECURITY_TOKEN", "WRONGTOKEN987")
    spec = SalesforceSourceSpec(type="salesforce", domain=org.url, env_prefix="BAD_")
    source = _source(spec, tmp_path)
    with pytest.raises(SalesforceAuthError) as info:
        source.read(volunteer_entity())
    message = str(info.value)
    assert message.startswith("source 'crm': Salesforce login (password) failed: INVALID_LOGIN")
    for secret in ("Wrong-Passw0rd!", "WRONGTOKEN987", "Wrong-Passw0rd!WRONGTOKEN987"):
        assert secret not in message
        assert secret not in repr(info.value.args)
        assert secret not in repr(source.client.credentials)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_registry_builds_the_salesforce_source(tmp_path: Path) -> None:
    from vmsdq.sources.registry import get_source

    spec = SalesforceSourceSpec(type="salesforce")
    source = get_source("crm", spec, root=tmp_path, artifacts=tmp_path / "art")
    assert isinstance(source, SalesforceSource) and source.name == "crm"


def test_no_secret_in_snapshot_meta_or_state(
    org: FakeSalesforce, make_source: SourceFactory, tmp_path: Path
) -> None:
    source = make_source()
    snap = source.read(volunteer_entity())
    session_id = source.client.sf.session_id
    exported = json.dumps(snap.meta, default=str)
    stored = "".join(p.read_text(errors="ignore") for p in (tmp_path / "art").rglob("*.json"))
    for secret in (org.credentials.password, org.credentials.security_token, session_id):
        assert secret not in exported and secret not in stored
