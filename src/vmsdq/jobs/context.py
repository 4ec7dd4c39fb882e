"""The context a task runs in: its project loaded once per process (again when files change)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from vmsdq.services.context import WORKER, Context, load, open_context

_PROJECTS: dict[str, tuple[tuple[int, ...], Any]] = {}  # root -> (file stamps, Project)
_LOCK = threading.Lock()


def project_at(root: str) -> Any:
    """The project in folder ``root``, parsed again only when one of its YAML files changed."""
    with _LOCK:
        found = _PROJECTS.get(root)
    if found is not None and found[0] == _stamp(Path(root), found[1]):
        return found[1]
    project = load(root)
    with _LOCK:
        _PROJECTS[root] = (_stamp(Path(root), project), project)
    return project


def context_for(root: str) -> Context:
    """A fresh context (its own sessions) over the project in ``root``."""
    return open_context(project_at(root), actor=WORKER)


def _stamp(root: Path, project: Any) -> tuple[int, ...]:
    """Modification times of the project file, its entity files and their folders (a file
    added or removed changes its folder's)."""
    files = [root / "vmsdq.yaml", *(root / f for f in project.entity_files.values())]
    paths = sorted({*files, *(f.parent for f in files)})
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)
