"""The reference run of drift rules: the newest completed run before this one that kept a
snapshot of the entity (``reference: previous``), or the run a rule names by id. Its
snapshot is read in place as view ``<entity>__reference``. A named run that does not exist,
is not completed or kept no snapshot of the entity makes the entity's drift rules ``error``
(a fixed baseline that is gone must not pass silently)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from vmsdq.checks.model import CompiledEntity
from vmsdq.core.results import EntityResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import Outcome, RunStatus, ViewRef, ViewRole
from vmsdq.services.context import Context

LOOK_BACK = 50  # completed runs searched for a snapshot of the entity


def reference_snapshots(
    ctx: Context, run_id: str, compiled: Sequence[CompiledEntity], started: datetime
) -> tuple[dict[str, Snapshot], dict[str, str]]:
    """Reference view name -> the snapshot it reads, for each reference the checks need
    and a run holds (a missing previous one is left out: those rules are skipped); and
    entity -> why its named reference run cannot be used."""
    found: dict[str, Snapshot] = {}
    errors: dict[str, str] = {}
    for entity in compiled:
        for need in entity.needs:
            ref = ViewRef.parse(need)
            if ref.role is not ViewRole.reference or need in found or ref.entity in errors:
                continue
            pinned = named_reference(ctx, ref.entity)
            if pinned is None:
                snapshot = reference_snapshot(ctx, run_id, ref.entity, started)
            else:
                snapshot, why = named_snapshot(ctx, pinned, ref.entity)
                if why:
                    errors[ref.entity] = why
            if snapshot is not None:
                found[need] = snapshot
    return found, errors


def named_reference(ctx: Context, entity: str) -> str | None:
    """The run id the entity's drift rules name (one per entity, ``vmsdq check``), or None
    for ``reference: previous``."""
    from vmsdq.spec.data_rules import DriftRule

    spec = ctx.project.entities.get(entity)
    rules = spec.rules if spec is not None else []
    named = {r.reference for r in rules if isinstance(r, DriftRule)} - {"previous"}
    return next(iter(named), None)


def named_snapshot(ctx: Context, run_id: str, entity: str) -> tuple[Snapshot | None, str]:
    """The entity's snapshot in run ``run_id``, or why there is none."""
    run = ctx.repos.runs.get(run_id)
    if run is None:
        return None, f"reference run {run_id} does not exist"
    if run.status != RunStatus.completed.value:
        return None, f"reference run {run_id} is {run.status}, not completed"
    snapshot = ctx.artifacts.snapshot(run_id, entity)
    if snapshot is None:
        return None, f"reference run {run_id} kept no snapshot of '{entity}'"
    snapshot.location = f"reference run {run_id}: {snapshot.location}"
    snapshot.previous = None
    return snapshot, ""


def with_reference_errors(
    results: list[EntityResult], errors: dict[str, str]
) -> list[EntityResult]:
    """Drift rules of an entity whose named reference run is unusable: outcome ``error``."""
    if not errors:
        return results
    for result in results:
        result.rules = [
            replace(r, outcome=Outcome.error, message=errors[r.entity], evaluated=0, failed=0,
                    observed=None)
            if r.kind == "drift" and r.entity in errors else r
            for r in result.rules
        ]  # fmt: skip
    return results


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
