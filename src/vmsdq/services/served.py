"""The project a long-running front end (the web app) serves: loaded once at start-up,
replaced when one of its entity files is saved, a fresh context per request."""

from __future__ import annotations

import threading
from pathlib import Path

from vmsdq.services.context import LOCAL, Actor, Context, load, open_context
from vmsdq.spec.models import Project


class ServedProject:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._project = load(self.path)  # fails loudly: a server never starts on a bad config
        self._lock = threading.Lock()

    @property
    def project(self) -> Project:
        return self._project

    @property
    def name(self) -> str:
        return self._project.spec.name

    def context(self, actor: Actor = LOCAL) -> Context:
        return open_context(self._project, actor=actor)

    def replace(self, project: Project) -> None:
        with self._lock:
            self._project = project
