"""A small demo project with three days of history, built once per test session (worker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from vmsdq.web import create_app
from vmsdq.web.testing import build_demo, copy_project, session_client


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("web-demo"))


@pytest.fixture
def project(demo_source: Path, tmp_path: Path) -> Path:
    """A private copy (tests may change its settings, rules and runs)."""
    return copy_project(demo_source, tmp_path / "demo")


@pytest.fixture
def app(project: Path) -> Iterator[Flask]:
    app = create_app(
        {"VMSDQ_PROJECT": str(project), "TESTING": True, "VMSDQ_CHECK_RESPONSES": True}
    )
    yield app
    app.extensions["vmsdq"].executor.shutdown()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return session_client(app)
