"""A tiny demo project per test (its results in its own SQLite file)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmsdq.demo import generate_demo
from vmsdq.services.context import Actor, Context, open_context
from vmsdq.store import Database

ADMIN = Actor("alice", "admin", tenant="default", origin="203.0.113.9")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("security-demo")
    generate_demo(folder, volunteers=60, seed=11, write_truth=False, salesforce=False)
    return folder


@pytest.fixture
def project(demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("VMSDQ_DATABASE_URL", "VMSDQ_ENCRYPTION_KEYS", "VMSDQ_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "project"
    shutil.copytree(demo_data, root)
    yield root
    Database.close_all()


@pytest.fixture(autouse=True)
def quick_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the library's cheapest parameters (real hashes, fast tests); a test
    marked ``real_argon2`` keeps the production parameters."""
    if "real_argon2" in request.keywords:
        return
    from argon2 import PasswordHasher, profiles

    from vmsdq.services import accounts

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(accounts, "hasher", lambda: cheap)


@pytest.fixture
def admin(project: Path) -> Context:
    return open_context(project, actor=ADMIN)


def stored_bytes(root: Path) -> bytes:
    """Every byte the project keeps under .vmsdq (the database with its WAL, artifacts)."""
    folder = root / ".vmsdq"
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())
