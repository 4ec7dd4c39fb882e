"""A tiny demo project per test, its results in its own SQLite file; no broker."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vmsdq.demo import generate_demo
from vmsdq.store import Database


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jobs-demo")
    generate_demo(folder, volunteers=120, seed=5, write_truth=False, salesforce=True)
    return folder


@pytest.fixture(autouse=True)
def metrics_in_process() -> None:
    """Counters of this process only (an earlier test may have pointed them at Redis)."""
    from vmsdq.services import metrics

    metrics.configure(None)


@pytest.fixture
def project(demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in (
        "VMSDQ_BROKER_URL",
        "VMSDQ_RESULT_BACKEND",
        "VMSDQ_CACHE_URL",
        "VMSDQ_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "project"
    shutil.copytree(demo_data, root)
    yield root
    Database.close_all()


def append_jobs(root: Path, text: str) -> None:
    with (root / "vmsdq.yaml").open("a") as handle:
        handle.write("jobs:\n" + "".join(f"  {line}\n" for line in text.strip().splitlines()))


@pytest.fixture
def add_jobs() -> Callable[[Path, str], None]:
    """Appends a ``jobs:`` section (YAML lines, indented for it) to a project file."""
    return append_jobs
