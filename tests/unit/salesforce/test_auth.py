"""Each auth mode against the fake org; credentials never leak into messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vmsdq.core.errors import TerminalError
from vmsdq.core.workspace import Workspace
from vmsdq.demo.salesforce.fake_server import FakeCredentials, FakeSalesforce
from vmsdq.sources.salesforce import SalesforceSource
from vmsdq.sources.salesforce.errors import SalesforceAuthError, SalesforceConfigError
from vmsdq.spec.models import SalesforceSourceSpec

from .conftest import FAST_BULK, FAST_RETRY, SourceFactory, contacts, volunteer_entity


def _source(spec: SalesforceSourceSpec, tmp_path: Path) -> SalesforceSource:
    return SalesforceSource(
        "crm",
        spec,
        root=tmp_path,
        workspace=Workspace.at(tmp_path / "art"),
        retry=FAST_RETRY,
        bulk=FAST_BULK,
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


def test_client_credentials_is_the_default_and_reads(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    source = make_source()
    assert source.spec.auth == "client_credentials"
    snap = source.read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert org.logins == 1


def test_password_login_still_reads_until_salesforce_retires_it(
    org: FakeSalesforce, make_source: SourceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    snap = make_source(auth="password").read(volunteer_entity())
    assert snap.table is not None and snap.table.num_rows == 10
    assert "auth 'password' (SOAP login()) is deprecated" in caplog.text


def test_password_login_is_refused_from_api_65(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in org.source_env("V65_").items():
        monkeypatch.setenv(name, value)
    spec = SalesforceSourceSpec(
        type="salesforce", auth="password", domain=org.url, env_prefix="V65_", api_version="65.0"
    )
    with pytest.raises(SalesforceAuthError) as info:
        _source(spec, tmp_path).read(volunteer_entity())
    assert "not available in API 65.0; Salesforce removed it from 65.0 on" in str(info.value)
    assert "client_credentials or jwt" in str(info.value)
    assert org.logins == 0 and org.api_calls == 0  # refused before any request


def test_a_new_org_without_soap_login_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeSalesforce(
        {"Contact": contacts(2)}, credentials=FakeCredentials(soap_login=False)
    ) as org:
        for name, value in org.source_env("NEW_").items():
            monkeypatch.setenv(name, value)
        spec = SalesforceSourceSpec(
            type="salesforce", auth="password", domain=org.url, env_prefix="NEW_"
        )
        with pytest.raises(SalesforceAuthError) as info:
            _source(spec, tmp_path).read(volunteer_entity())
    message = str(info.value)
    assert "failed: INVALID_OPERATION: SOAP API login() is disabled in this org." in message
    assert "new orgs disable by default" in message and "prefer auth: client_credentials" in message


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


def test_jwt_audience_is_set_apart_from_the_token_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some orgs want their My Domain as ``aud`` while the token still comes from the org."""
    key_file, public = _keys(tmp_path)
    my_domain = "https://acme.my.salesforce.com"
    creds = FakeCredentials(public_key_pem=public, jwt_audiences=(my_domain,))
    with FakeSalesforce({"Contact": contacts(3)}, credentials=creds) as org:
        monkeypatch.setenv("AUD_USERNAME", creds.username)
        monkeypatch.setenv("AUD_CONSUMER_KEY", creds.consumer_key)
        monkeypatch.setenv("AUD_PRIVATE_KEY_FILE", str(key_file))
        spec = SalesforceSourceSpec(
            type="salesforce", auth="jwt", domain=org.url, env_prefix="AUD_"
        )
        with pytest.raises(SalesforceAuthError) as info:
            _source(spec, tmp_path).read(volunteer_entity())
        assert "invalid_grant: audience is invalid (set jwt_audience:" in str(info.value)
        spec = spec.model_copy(update={"jwt_audience": my_domain})
        snap = _source(spec, tmp_path).read(volunteer_entity())
        assert snap.table is not None and snap.table.num_rows == 3


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        (None, "login"),
        ("test", "test"),
        ("acme.my.salesforce.com", "acme.my"),  # a bare My Domain host
        ("https://acme.my.salesforce.com/", "acme.my"),
        ("acme--dev.sandbox.my.salesforce.com", "acme--dev.sandbox.my"),
    ],
)
def test_domain_forms(domain: str | None, expected: str) -> None:
    from vmsdq.sources.salesforce.session import endpoint_of

    endpoint = endpoint_of("crm", domain)
    assert endpoint.domain == expected and endpoint.proxy is None
    assert endpoint.sandbox == (expected in ("test", "acme--dev.sandbox.my"))


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("acme.lightning.force.com", "is the Lightning UI address; use the My Domain login "
         "address instead, e.g. acme.my.salesforce.com"),
        ("crm.example.org", "is not a Salesforce login address"),
    ],
)  # fmt: skip
def test_domains_that_cannot_work_are_refused(domain: str, message: str) -> None:
    from vmsdq.sources.salesforce.session import endpoint_of

    with pytest.raises(SalesforceConfigError, match="source 'crm'") as info:
        endpoint_of("crm", domain)
    assert message in str(info.value)


def test_client_credentials_need_a_my_domain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_CONSUMER_KEY", "key")
    monkeypatch.setenv("CC_CONSUMER_SECRET", "secret-value")
    spec = SalesforceSourceSpec(type="salesforce", domain="login", env_prefix="CC_")
    with pytest.raises(SalesforceConfigError, match="needs your My Domain as domain"):
        _source(spec, tmp_path).read(volunteer_entity())


def test_wrong_client_secret_never_shows_in_any_form(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    secret = "Wr0ng/Secret+Value=="
    monkeypatch.setenv("CS_CONSUMER_KEY", org.credentials.consumer_key)
    monkeypatch.setenv("CS_CONSUMER_SECRET", secret)
    spec = SalesforceSourceSpec(type="salesforce", domain=org.url, env_prefix="CS_")
    source = _source(spec, tmp_path)
    with pytest.raises(SalesforceAuthError) as info:
        source.read(volunteer_entity())
    message = str(info.value)
    assert message == (
        "source 'crm': Salesforce login (client_credentials) failed: invalid_client: "
        "invalid client credentials"
    )
    basic = base64.b64encode(f"{org.credentials.consumer_key}:{secret}".encode()).decode()
    for form in (secret, basic, "Wr0ng%2FSecret%2BValue%3D%3D"):
        assert form not in message and form not in repr(info.value.args)
        assert form not in repr(source.client.credentials)


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
        json.dumps({"consumer_key": creds.consumer_key, "consumer_secret": creds.consumer_secret})
    )
    monkeypatch.delenv("FILE_CONSUMER_SECRET", raising=False)
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
    for name in ("USERNAME", "PASSWORD", "SECURITY_TOKEN", "CONSUMER_KEY", "CONSUMER_SECRET"):
        monkeypatch.delenv(f"NONE_{name}", raising=False)
    monkeypatch.setenv("NONE_CONSUMER_KEY", "3MVG9key")
    spec = SalesforceSourceSpec(
        type="salesforce", domain="acme.my.salesforce.com", env_prefix="NONE_"
    )
    with pytest.raises(SalesforceAuthError) as info:
        _source(spec, tmp_path).read(volunteer_entity())
    assert str(info.value) == (
        "source 'crm': auth 'client_credentials' needs consumer_secret; set NONE_CONSUMER_SECRET"
    )
    assert isinstance(info.value, TerminalError)


def test_failed_login_message_has_no_password_or_token(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAD_USERNAME", org.credentials.username)
    monkeypatch.setenv("BAD_PASSWORD", "Wrong-Passw0rd!")
    monkeypatch.setenv("BAD_SECURITY_TOKEN", "WRONGTOKEN987")
    spec = SalesforceSourceSpec(
        type="salesforce", auth="password", domain=org.url, env_prefix="BAD_"
    )
    source = _source(spec, tmp_path)
    with pytest.raises(SalesforceAuthError) as info:
        source.read(volunteer_entity())
    message = str(info.value)
    assert message.startswith("source 'crm': Salesforce login (password) failed: INVALID_LOGIN")
    for secret in ("Wrong-Passw0rd!", "WRONGTOKEN987", "Wrong-Passw0rd!WRONGTOKEN987"):
        assert secret not in message
        assert secret not in repr(info.value.args)
        assert secret not in repr(source.client.credentials)
    assert "Wrong-Passw0rd!" not in str(info.value).replace("***", "")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_registry_builds_the_salesforce_source(tmp_path: Path) -> None:
    from vmsdq.sources.registry import get_source

    spec = SalesforceSourceSpec(type="salesforce")
    source = get_source("crm", spec, root=tmp_path, workspace=Workspace.at(tmp_path / "art"))
    assert isinstance(source, SalesforceSource) and source.name == "crm"


def test_no_secret_in_snapshot_meta_or_state(
    org: FakeSalesforce, make_source: SourceFactory, tmp_path: Path
) -> None:
    source = make_source()
    snap = source.read(volunteer_entity())
    session_id = source.client.sf.session_id
    exported = json.dumps(snap.meta, default=str)
    stored = "".join(p.read_text(errors="ignore") for p in (tmp_path / "art").rglob("*.json"))
    creds = org.credentials
    for secret in (creds.consumer_secret, creds.password, creds.security_token, session_id):
        assert secret not in exported and secret not in stored
