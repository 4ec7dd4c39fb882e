"""Process-wide state a forked worker process must not share with its parent."""

from __future__ import annotations

from vmsdq.store.db import Database


def after_fork() -> None:
    """New database connection pools in a forked child (the parent keeps its connections)."""
    Database.after_fork()
