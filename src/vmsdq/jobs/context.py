"""The context a task runs in: its project loaded once per process (again when files change)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from vmsdq.services.context import Context, load, open_context

_PROJECTS: dict[str, tuple[tuple[int, ...], Any]] = {}  # root -> (file stamps, Project)
_LOCK = threading.Lock()


def project_at(root: str) -> Any:
    """The project in folder ``root``, parsed again only when one of its YAML files changed."""
    stamp = _stamp(Path(root))
    with _LOCK:
        found = _PROJECTS.get(root)
        if found is not None and found[0] == stamp:
            return found[1]
    project = load(root)
    with _LOCK:
        _PROJECTS[root] = (stamp, project)
    return project


def context_for(root: str) -> Context:
    """A fresh context (its own sessions) over the project in ``root``."""
    return open_context(project_at(root))


def _stamp(root: Path) -> tuple[int, ...]:
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("**/entities/*.yaml"))
    return tuple(p.stat().st_mtime_ns for p in files if p.is_file())
