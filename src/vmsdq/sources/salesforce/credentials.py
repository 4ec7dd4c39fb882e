"""Salesforce credentials: from environment variables or a secrets file, never the project YAML.

Environment variables are ``{env_prefix}USERNAME``, ``PASSWORD``, ``SECURITY_TOKEN``,
``CONSUMER_KEY``, ``CONSUMER_SECRET``, ``PRIVATE_KEY_FILE``, ``INSTANCE_URL`` and
``SESSION_ID``; a secrets file
(YAML or JSON, ``secrets_file:`` in the source) holds the same names in lower case. The
environment wins over the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from vmsdq.core import sealing
from vmsdq.sources.salesforce.errors import SalesforceAuthError, SalesforceConfigError
from vmsdq.spec.models import SalesforceSourceSpec

NEEDS = {
    "client_credentials": ("consumer_key", "consumer_secret"),
    "jwt": ("username", "consumer_key", "private_key_file"),
    "password": ("username", "password"),  # + security_token unless the IP range is trusted
    "session": ("instance_url", "session_id"),
}
SECRET_NAMES = ("password", "security_token", "consumer_secret", "session_id")


@dataclass(frozen=True)
class Credentials:
    """What a login needs. ``repr`` never shows secret values."""

    username: str | None = field(default=None)
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    consumer_key: str | None = field(default=None)
    consumer_secret: str | None = field(default=None, repr=False)
    private_key_file: str | None = field(default=None)
    instance_url: str | None = field(default=None)
    session_id: str | None = field(default=None, repr=False)

    def secrets(self) -> list[str]:
        """Values that must never appear in a message (the consumer key included)."""
        values = [getattr(self, n) for n in (*SECRET_NAMES, "consumer_key")]
        if self.password and self.security_token:
            values.append(self.password + self.security_token)  # what SOAP login() sends
        if self.consumer_key and self.consumer_secret:
            values.append(f"{self.consumer_key}:{self.consumer_secret}")  # HTTP Basic
        return [v for v in values if v]


def load_credentials(source: str, spec: SalesforceSourceSpec, *, root: Path) -> Credentials:
    """Credentials for ``spec.auth``; raises ``SalesforceAuthError`` naming what is missing."""
    names = [f.name for f in fields(Credentials)]
    from_file = _read_secrets_file(source, spec, root, names) if spec.secrets_file else {}
    values: dict[str, str | None] = {}
    for name in names:
        values[name] = os.environ.get(spec.env_prefix + name.upper()) or from_file.get(name)
    if spec.instance_url and not values["instance_url"]:
        values["instance_url"] = spec.instance_url
    key_file = values["private_key_file"]
    if key_file and not Path(key_file).expanduser().is_absolute():
        values["private_key_file"] = str(Path(root) / Path(key_file).expanduser())
    missing = [n for n in NEEDS[spec.auth] if not values[n]]
    if missing:
        where = ", ".join(spec.env_prefix + n.upper() for n in missing)
        raise SalesforceAuthError(
            f"source '{source}': auth '{spec.auth}' needs {', '.join(missing)}; set {where}"
            + (f" or add them to {spec.secrets_file}" if spec.secrets_file else "")
        )
    return Credentials(**values)


def _read_secrets_file(
    source: str, spec: SalesforceSourceSpec, root: Path, names: list[str]
) -> Mapping[str, str]:
    path = Path(str(spec.secrets_file)).expanduser()
    path = path if path.is_absolute() else Path(root) / path
    try:
        text = sealing.unseal(path.read_text(encoding="utf-8").strip(), sealing.SOURCE_SECRET)
    except OSError as exc:
        raise SalesforceConfigError(
            f"source '{source}': secrets file {path} cannot be read ({exc.strerror})"
        ) from None
    data = _parse(source, path, text)
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise SalesforceConfigError(
            f"source '{source}': secrets file {path} has unknown keys {unknown}; "
            f"known keys: {names}"
        )
    return {k: str(v) for k, v in data.items() if v is not None}


def _parse(source: str, path: Path, text: str) -> dict[str, object]:
    import yaml

    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        data = None  # the parser's message may quote a secret: never show it
    if not isinstance(data, dict):
        raise SalesforceConfigError(
            f"source '{source}': secrets file {path} must be a YAML or JSON mapping of "
            "credential names to values"
        )
    return data
