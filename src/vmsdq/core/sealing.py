"""Encryption at rest: AES-256-GCM (``cryptography``) with keys from the environment or a
key file, never from the project or the results database.

Keys: ``$VMSDQ_ENCRYPTION_KEYS`` (``id:base64key,id:base64key``, newest first) or the file
named by ``$VMSDQ_KEY_FILE`` (one ``id base64key`` per line, newest first, readable by its
owner only). The newest key seals; every listed key opens, so ``vmsdq keys rotate`` can
re-seal old data before an old key is dropped. Without any key nothing is sealed.

A sealed value is text: ``vmsdq:enc:1:<key id>:<base64url(nonce + ciphertext + tag)>``;
its purpose (what it is: failing values, a source secret) is bound as associated data.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmsdq.core.errors import ConfigError

ENV_KEYS = "VMSDQ_ENCRYPTION_KEYS"
ENV_KEY_FILE = "VMSDQ_KEY_FILE"
MARK = "vmsdq:enc:1:"
FAILURE_VALUES = "failure-values"
SOURCE_SECRET = "source-secret"
WEBHOOK_SECRET = "webhook-secret"
SEALED = re.compile(r"vmsdq:enc:1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_=-]+")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class EncryptionKeyError(ConfigError):
    """A missing, malformed or unreadable encryption key (the message never holds a key)."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...] = field(repr=False)  # (id, 32-byte key), newest first
    source: str = ""

    def __repr__(self) -> str:
        return f"Keyring(ids={self.ids}, source={self.source!r})"

    @property
    def ids(self) -> list[str]:
        return [k for k, _ in self.keys]

    @property
    def current(self) -> str:
        return self.keys[0][0]

    def seal(self, text: str, purpose: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key_id, key = self.keys[0]
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), purpose.encode())
        return f"{MARK}{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def seal_many(self, texts: list[str | None], purpose: str) -> list[str | None]:
        """``reseal`` of many values at once (one cipher object, one call for the nonces):
        the failing values of a whole batch. None stays None."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key_id, key = self.keys[0]
        cipher, aad, prefix = AESGCM(key), purpose.encode(), f"{MARK}{key_id}:"
        nonces = secrets.token_bytes(12 * len(texts))
        out: list[str | None] = []
        for i, text in enumerate(texts):
            if text is None or text.startswith(prefix):
                out.append(text)
                continue
            plain = self.open(text, purpose) if text.startswith(MARK) else text
            nonce = nonces[12 * i : 12 * i + 12]
            sealed = cipher.encrypt(nonce, plain.encode(), aad)
            out.append(prefix + base64.urlsafe_b64encode(nonce + sealed).decode())
        return out

    def open(self, text: str, purpose: str) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key_id, _, body = text[len(MARK) :].partition(":")
        key = dict(self.keys).get(key_id)
        if key is None:
            raise EncryptionKeyError(
                f"data sealed with key '{key_id}', which is not among the keys given "
                f"({', '.join(self.ids)}): add it to ${ENV_KEYS} or ${ENV_KEY_FILE}"
            )
        raw = base64.urlsafe_b64decode(body)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
        except InvalidTag:
            raise EncryptionKeyError(
                f"sealed {purpose} does not open with key '{key_id}': changed or corrupted"
            ) from None


def is_sealed(text: object) -> bool:
    return isinstance(text, str) and text.startswith(MARK)


def generate_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


_cache: dict[tuple[str, str, float], Keyring | None] = {}
_lock = threading.Lock()


def keyring() -> Keyring | None:
    """The keys in force (None: encryption at rest is off)."""
    raw = os.environ.get(ENV_KEYS, "")
    path = os.environ.get(ENV_KEY_FILE, "")
    mtime = _mtime(path)
    with _lock:
        key = (raw, path, mtime)
        if key not in _cache:
            _cache.clear()
            _cache[key] = _load(raw, path)
        return _cache[key]


def seal(text: str, purpose: str) -> str:
    """``text`` sealed with the newest key; unchanged when no key is configured or already
    sealed."""
    ring = keyring()
    if ring is None or is_sealed(text):
        return text
    return ring.seal(text, purpose)


def unseal(text: str, purpose: str) -> str:
    """The plain text of a sealed value (plain text passes through)."""
    if not is_sealed(text):
        return text
    ring = keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"a sealed {purpose} was found but no key is configured: set ${ENV_KEYS} or "
            f"${ENV_KEY_FILE}"
        )
    return ring.open(text, purpose)


def reseal(text: str, purpose: str) -> str:
    """A sealed value sealed again with the newest key (plain text gets sealed)."""
    ring = keyring()
    if ring is None:
        raise EncryptionKeyError(f"no key is configured: set ${ENV_KEYS} or ${ENV_KEY_FILE}")
    if is_sealed(text) and text[len(MARK) :].startswith(f"{ring.current}:"):
        return text
    return ring.seal(unseal(text, purpose), purpose)


def duckdb_functions(con: Any) -> None:
    """Register ``vmsdq_seal(text)`` (sealed with the newest key, re-sealed when an older one
    sealed it) and ``vmsdq_unseal(text)`` for failing values on a DuckDB connection."""
    import pyarrow as pa

    def _map(fn: Any) -> Any:
        def run(values: Any) -> Any:
            return pa.array(
                [None if v is None else fn(v, FAILURE_VALUES) for v in values.to_pylist()],
                pa.string(),
            )

        return run

    def _seal(values: Any) -> Any:
        ring = keyring()
        if ring is None:
            raise EncryptionKeyError(f"no key is configured: set ${ENV_KEYS} or ${ENV_KEY_FILE}")
        return pa.array(ring.seal_many(values.to_pylist(), FAILURE_VALUES), pa.string())

    for name, fn in (("vmsdq_seal", _seal), ("vmsdq_unseal", _map(unseal))):
        try:
            con.create_function(name, fn, ["VARCHAR"], "VARCHAR", type="arrow")
        except Exception as exc:  # already registered on this connection
            if "already" not in str(exc).lower():
                raise


def prepend_key(path: Path) -> str:
    """Add a new newest key to the key file (created owner-only); returns its id."""
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    ids = {line.split()[0] for line in existing.splitlines() if line.strip() and line[0] != "#"}
    n = len(ids) + 1
    while f"k{n}" in ids:
        n += 1
    key_id = f"k{n}"
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{key_id} {generate_key()}\n{existing}")
    os.replace(tmp, path)
    return key_id


def forget() -> None:
    """Read the keys again on next use (after the key file changed)."""
    with _lock:
        _cache.clear()


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime if path else 0.0
    except OSError:
        return -1.0


def _load(raw: str, path: str) -> Keyring | None:
    if raw:
        pairs = [item.strip().partition(":") for item in raw.split(",") if item.strip()]
        return _ring([(k, v) for k, _, v in pairs], f"${ENV_KEYS}")
    if path:
        return _ring(_read_file(Path(path)), str(path))
    return None


def _read_file(path: Path) -> list[tuple[str, str]]:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EncryptionKeyError(f"key file {path} cannot be read ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise EncryptionKeyError(f"key file {path} is readable by others: chmod 600 {path}")
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise EncryptionKeyError(f"{path}:{number}: expected '<key id> <base64 key>'")
        pairs.append((parts[0], parts[1]))
    return pairs


def _ring(pairs: list[tuple[str, str]], source: str) -> Keyring:
    keys = []
    for key_id, encoded in pairs:
        if not _KEY_ID.match(key_id):
            raise EncryptionKeyError(
                f"{source}: key id '{key_id[:32]}' must be 1-32 letters, digits, _ -"
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise EncryptionKeyError(f"{source}: key '{key_id}' is not 32 bytes in base64")
        keys.append((key_id, key))
    if not keys:
        raise EncryptionKeyError(f"{source}: no key given")
    return Keyring(tuple(keys), source)
