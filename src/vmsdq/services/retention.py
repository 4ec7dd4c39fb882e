"""Retention: runs older than the period go, with their snapshots and failure files.

One use case for ``vmsdq gc`` and the scheduled clean-up. The newest completed run always
stays (``latest`` keeps meaning something) and a run that has not finished is never removed.
Run folders in the artifact store that no stored run owns (``validate --no-store``, runs
removed by hand, a process killed while it started a run) go once nothing has written to
them for an hour; the sources' scratch copies of a finished run (left when a process died
right after finishing it) go at once.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from vmsdq.core.words import RunStatus
from vmsdq.services import audit
from vmsdq.services.context import Context

DEFAULT_KEEP_DAYS = 90
ORPHAN_GRACE = timedelta(hours=1)  # a run being started writes before it is recorded


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    dry_run: bool
    runs: list[str] = field(default_factory=list)  # removed from the results database
    folders: list[str] = field(default_factory=list)  # run folders removed from the artifacts
    bytes_freed: int = 0
    scratch: list[str] = field(default_factory=list)  # finished runs whose scratch files went

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "runs": self.runs,
            "folders": self.folders,
            "bytes_freed": self.bytes_freed,
            "scratch": self.scratch,
        }


def clean_up(
    ctx: Context,
    *,
    keep_days: int = DEFAULT_KEEP_DAYS,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Remove runs started more than ``keep_days`` ago (see the module docstring)."""
    ctx.require("admin")
    if keep_days < 1:
        from vmsdq.core.errors import ConfigError

        raise ConfigError(f"keep_days must be at least 1, not {keep_days}")
    moment = now or ctx.clock()
    cutoff = moment - timedelta(days=keep_days)
    keep = ctx.repos.runs.latest_id(status=str(RunStatus.completed))
    runs = [r for r in ctx.repos.runs.ids_started_before(cutoff) if r != keep and _finished(ctx, r)]
    known = set(runs)
    orphans = [
        r
        for r in ctx.artifacts.run_ids()
        if r not in known and _orphan(ctx, r, moment - ORPHAN_GRACE)
    ]
    folders = [r for r in [*runs, *orphans] if ctx.artifacts.run_dir(r).is_dir()]
    scratch = [
        r
        for r in ctx.artifacts.run_ids()
        if r not in folders and (ctx.artifacts.run_dir(r) / "work").is_dir() and _finished(ctx, r)
    ]
    freed = sum(_size(ctx.artifacts.run_dir(r)) for r in folders)
    freed += sum(_size(ctx.artifacts.run_dir(r) / "work") for r in scratch)
    if not dry_run:
        for run_id in runs:
            ctx.repos.runs.delete(run_id)
        for run_id in folders:
            shutil.rmtree(ctx.artifacts.run_dir(run_id), ignore_errors=True)
        for run_id in scratch:
            ctx.artifacts.drop_work(run_id)
        audit.record(ctx, "retention.clean_up", keep_days=keep_days, runs=len(runs))
    return RetentionReport(cutoff, dry_run, sorted(runs), sorted(folders), freed, sorted(scratch))


def _finished(ctx: Context, run_id: str) -> bool:
    found = ctx.repos.runs.summary(run_id)
    return found is not None and RunStatus(found.status).finished


def _orphan(ctx: Context, run_id: str, cutoff: datetime) -> bool:
    """A folder no stored run owns, last changed before the cutoff."""
    if ctx.repos.runs.summary(run_id) is not None:
        return False
    folder = ctx.artifacts.run_dir(run_id)
    newest = max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)
    return newest < min(cutoff.timestamp(), time.time())


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
