"""The reference run of drift rules: the newest completed run before this one that kept a
snapshot of the entity. Its snapshot is read in place as view ``<entity>__reference``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import RunStatus, ViewRef, ViewRole
from vmsdq.services.context import Context

LOOK_BACK = 50  # completed runs searched for a snapshot of the entity


def reference_snapshots(
    ctx: Context, run_id: str, compiled: Sequence[CompiledEntity], started: datetime
) -> dict[str, Snapshot]:
    """Reference view name -> the snapshot it reads, for each reference the checks need
    and a run holds (a missing one is left out: those rules are skipped)."""
    found: dict[str, Snapshot] = {}
    for entity in compiled:
        for need in entity.needs:
            ref = ViewRef.parse(need)
            if ref.role is ViewRole.reference and need not in found:
                snapshot = reference_snapshot(ctx, run_id, ref.entity, started)
                if snapshot is not None:
                    found[need] = snapshot
    return found


def reference_snapshot(
    ctx: Context, run_id: str, entity: str, started: datetime
) -> Snapshot | None:
    """``entity``'s snapshot in the newest completed run started before ``started``."""
    page = ctx.repos.runs.page(status=RunStatus.completed.value, until=started, limit=LOOK_BACK)
    for run in page.items:
        if run.run_id == run_id:
            continue
        snapshot = ctx.artifacts.snapshot(run.run_id, entity)
        if snapshot is not None:
            snapshot.location = f"reference run {run.run_id}: {snapshot.location}"
            snapshot.previous = None
            return snapshot
    return None
