"""What could not be evaluated never scores as passed: a wrong Salesforce password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.demo.salesforce.fake_server import FakeCredentials, FakeSalesforce

VOLUNTEER = {
    "entity": "volunteer",
    "key": "id",
    "sources": {"vms": {"path": "volunteer.csv"}},
    "fields": {"id": {"required": True}, "salesforce_id": {}, "email": {"required": True}},
    "mirror": {"object": "Contact", "match_on": "salesforce_id", "fields": {"email": "Email"}},
}
EVENT = {
    "entity": "event",
    "key": "id",
    "sources": {"vms": {"path": "event.csv"}},
    "fields": {"id": {"required": True}, "name": {"required": True}},
}


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    contacts = pa.table({"Id": ["003000000000001AAA"], "Email": ["a@example.org"]})
    with FakeSalesforce({"Contact": contacts}, credentials=FakeCredentials()) as fake:
        yield fake


@pytest.fixture
def project(tmp_path: Path, org: FakeSalesforce, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in org.source_env("SFX_").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SFX_PASSWORD", "not-the-password")
    spec = {
        "name": "wrong-password",
        "sources": {
            "vms": {"type": "files", "path": "data"},
            "crm": {
                "type": "salesforce",
                "auth": "password",
                "domain": org.url,
                "env_prefix": "SFX_",
            },
        },  # fmt: skip
        "default_source": "vms",
        "reconcile": {"vms": "crm"},
    }
    (tmp_path / "vmsdq.yaml").write_text(yaml.safe_dump(spec))
    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "volunteer.yaml").write_text(yaml.safe_dump(VOLUNTEER))
    (tmp_path / "entities" / "event.yaml").write_text(yaml.safe_dump(EVENT))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "volunteer.csv").write_text(
        "id,salesforce_id,email\n1,003000000000001AAA,a@example.org\n"
    )
    (tmp_path / "data" / "event.csv").write_text("id,name\n1,Career day\n")
    return tmp_path


def test_a_wrong_salesforce_password_is_incomplete_not_excellent(project: Path) -> None:
    table = CliRunner().invoke(main, ["validate", "--project", str(project)])
    assert table.exit_code == 3, table.output
    out = " ".join(table.output.split())
    assert "incomplete" in out
    assert "INVALID_LOGIN" in out or "login" in out.lower()
    assert "not-the-password" not in table.output
    assert "incomplete: leaves out what could not be evaluated in: volunteer" in out
    assert "incomplete: 4 rules not evaluated" in out  # the entity's row, not "excellent"
    assert out.count("INVALID_LOGIN") == 1  # one message for the rules it stopped

    as_json = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    payload = json.loads(as_json.stdout)
    assert (as_json.exit_code, payload["verdict"]) == (3, "incomplete")
    errored = [r for e in payload["entities"] for r in e["rules"] if r["outcome"] == "error"]
    assert errored and all(r["entity"] == "volunteer" for r in errored)
    assert all(r["message"] for r in errored)
