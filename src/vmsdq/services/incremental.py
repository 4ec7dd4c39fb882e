"""Incremental runs: where each entity's engine state lives between runs, and when it is used.

With ``engine: {incremental: true}`` in ``vmsdq.yaml`` every run (CLI, worker, schedule,
``--from-run``) validates the rows a change since the previous run can affect and takes the
other rows' results from the state that run left (``vmsdq.engine.incremental``); results
equal a full run's. The state is kept per tenant in the artifact store under
``state/incremental/<entity>``; removing that folder makes the next run a full one.
"""

from __future__ import annotations

from pathlib import Path

from vmsdq.services.context import Context

FOLDER = "incremental"


def state_dir(ctx: Context) -> Path | None:
    """The folder of the project's incremental state, or None when runs are full runs."""
    if not ctx.project.spec.engine.incremental:
        return None
    return ctx.artifacts.state_dir(FOLDER)
