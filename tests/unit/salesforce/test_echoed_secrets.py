"""A server that echoes the login request: no form of the password reaches the user, the
logs or the store."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import yaml
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.secrets import forms

PASSWORD = "pä<&\"'/\\ss w+rd%2F"  # every character some encoding changes
TOKEN = "TOKEN-0123456789"
SECRET = "consumer/secret+value&x"


class Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        body += f" {self.headers.get('authorization', '')}"
        if "Soap" in self.path:
            status, kind = 500, "text/xml"
            text = (
                "<soapenv:Envelope><soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN"
                f"</faultcode><faultstring>INVALID_LOGIN: bad request {escape(body)}"
                "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
            )
        else:
            status, kind = 400, "application/json"
            form = {k: v[0] for k, v in parse_qs(body).items()}
            text = json.dumps({"error": "invalid_client", "error_description": f"{body} {form}"})
        self.send_response(status)
        self.send_header("content-type", kind)
        self.end_headers()
        self.wfile.write(text.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def build(root: Path, url: str, auth: str) -> None:
    spec = {
        "name": "echo",
        "sources": {
            "vms": {"type": "files", "path": "data"},
            "crm": {"type": "salesforce", "auth": auth, "domain": url, "env_prefix": "SFE_"},
        },
        "default_source": "vms",
        "reconcile": {"vms": "crm"},
    }
    entity = {
        "entity": "volunteer",
        "key": "id",
        "fields": {"id": {}, "sf": {}},
        "mirror": {"object": "Contact", "match_on": "sf"},
    }
    (root / "entities").mkdir()
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(yaml.safe_dump(spec))
    (root / "entities" / "volunteer.yaml").write_text(yaml.safe_dump(entity))
    (root / "data" / "volunteer.csv").write_text("id,sf\n1,003000000000001AAA\n")


def seen_forms() -> set[str]:
    return forms(PASSWORD) | forms(PASSWORD + TOKEN) | forms(SECRET)


@pytest.mark.parametrize("auth", ["password", "client_credentials"])
def test_no_form_of_a_secret_is_shown_logged_or_stored(
    tmp_path: Path,
    echo: str,
    auth: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name, value in {
        "USERNAME": "user@example.org", "PASSWORD": PASSWORD, "SECURITY_TOKEN": TOKEN,
        "CONSUMER_KEY": "key-0123", "CONSUMER_SECRET": SECRET,
    }.items():  # fmt: skip
        monkeypatch.setenv(f"SFE_{name}", value)
    build(tmp_path, echo, auth)
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    assert result.exit_code == 3, result.output
    payload = json.loads(result.stdout)
    messages = [r["message"] for e in payload["entities"] for r in e["rules"] if r["message"]]
    assert messages and all("login" in m.lower() for m in messages)
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".vmsdq").rglob("*") if p.is_file())
    shown = result.output + caplog.text
    for form in seen_forms():
        assert form not in shown, form
        assert form.encode() not in stored, form
    for fragment in ("ss w", "w+rd", "rd%2F", "ss+w", "secret+value", "0123456789"):
        assert fragment not in shown, fragment  # however the server escaped it
