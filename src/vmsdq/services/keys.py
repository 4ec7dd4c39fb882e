"""Encryption keys at work: seal a source secret, and rotate (re-seal everything sealed with
an older key: failure files, the run archive and the sources' state, webhook secrets,
secrets files, sealed URLs in vmsdq.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vmsdq.core import sealed_files, sealing
from vmsdq.core.sealing import ENV_KEY_FILE, EncryptionKeyError
from vmsdq.services import audit
from vmsdq.services.context import Context


@dataclass
class RotationReport:
    key: str
    failure_files: int = 0
    data_files: int = 0  # archive, scratch and state files rewritten
    webhook_secrets: int = 0
    secrets_files: list[str] = field(default_factory=list)
    yaml_values: int = 0
    retired: list[str] = field(default_factory=list)  # keys no longer needed


def seal_secret(text: str) -> str:
    """A source secret (a URL, a secrets file's text) sealed with the newest key."""
    ring = sealing.keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"no key is configured: set ${sealing.ENV_KEYS} or ${ENV_KEY_FILE} "
            "(`vmsdq keys init` writes a key file)"
        )
    return ring.seal(text, sealing.SOURCE_SECRET)


def init_key_file(path: Path) -> str:
    """Write a key file with one new key (owner-only); refuses to replace one."""
    if path.exists():
        raise EncryptionKeyError(f"{path} exists already: use `vmsdq keys rotate --new-key`")
    return sealing.prepend_key(path)


def seal_file(ctx: Context, path: Path) -> None:
    """Seal a secrets file in place (its whole text)."""
    ctx.require("admin")
    text = path.read_text(encoding="utf-8")
    _replace(path, sealing.reseal(text.strip(), sealing.SOURCE_SECRET))
    audit.record(ctx, "keys.seal_file", path.name)


def rotate(ctx: Context, *, new_key: bool = False) -> RotationReport:
    """Re-seal what this project keeps sealed with the newest key (after adding one when
    ``new_key``: the key file of ``$VMSDQ_KEY_FILE`` gets a new first line)."""
    ctx.require("admin")
    if new_key:
        key_file = os.environ.get(ENV_KEY_FILE)
        if not key_file:
            raise EncryptionKeyError(
                f"--new-key needs ${ENV_KEY_FILE}; with ${sealing.ENV_KEYS}, put the new key "
                "first yourself and rotate again"
            )
        sealing.prepend_key(Path(key_file))
        sealing.forget()
    ring = sealing.keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"no key is configured: set ${sealing.ENV_KEYS} or ${ENV_KEY_FILE}"
        )
    report = RotationReport(ring.current)
    from vmsdq.engine.failures import combine

    for run_id in ctx.artifacts.run_ids():
        for path in ctx.artifacts.failure_files(run_id):
            combine([path], path)  # rewrites every value sealed with the newest key
            report.failure_files += 1
    parquet, meta = ctx.artifacts.rows_at_rest()
    report.data_files = sum(sealed_files.reseal(path) for path in parquet)
    report.data_files += sum(sealed_files.reseal_text(path) for path in meta)
    report.webhook_secrets = ctx.repos.webhooks.reseal_secrets()
    root = Path(ctx.project.root)
    for source in ctx.project.spec.sources.values():
        secrets_file = getattr(source, "secrets_file", None)
        if secrets_file:
            secrets = Path(secrets_file).expanduser()
            secrets = secrets if secrets.is_absolute() else root / secrets
            text = secrets.read_text(encoding="utf-8").strip() if secrets.is_file() else ""
            if sealing.is_sealed(text):
                _replace(secrets, sealing.reseal(text, sealing.SOURCE_SECRET))
                report.secrets_files.append(secrets.name)
    config = root / "vmsdq.yaml"
    text = config.read_text(encoding="utf-8")
    found = sealing.SEALED.findall(text)
    for token in set(found):
        text = text.replace(token, sealing.reseal(token, sealing.SOURCE_SECRET))
    if found:
        _replace(config, text)
        report.yaml_values = len(found)
    report.retired = ring.ids[1:]
    audit.record(
        ctx,
        "keys.rotate",
        ring.current,
        failure_files=report.failure_files,
        data_files=report.data_files,
        webhook_secrets=report.webhook_secrets,
        secrets_files=len(report.secrets_files),
        yaml_values=report.yaml_values,
    )
    return report


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.sealing")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    os.replace(tmp, path)
