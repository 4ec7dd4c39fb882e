"""Loading the recorded Salesforce responses under tests/fixtures/salesforce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "salesforce"


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(name: str) -> Any:
    return json.loads(text(name))


def response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> requests.Response:
    """A ``requests.Response`` holding a recorded body, as simple-salesforce receives it."""
    out = requests.Response()
    out.status_code, out._content = status, body  # noqa: SLF001 - the documented way to fake one
    out.headers.update(headers or {})
    out.url = "https://na15.salesforce.com/recorded"
    return out
