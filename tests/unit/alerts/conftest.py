"""A small project whose runs are built in the test (``import_run``), with a clock the
test moves and alert settings the test chooses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vmsdq.core.results import RunResult
from vmsdq.scoring.testing import D, S, entity, rule, run, spec
from vmsdq.services.context import Context
from vmsdq.services.runs import import_run
from vmsdq.spec.models import FieldSpec, MirrorSpec, Project, ProjectSpec
from vmsdq.store import ArtifactStore, Database

from .receiver import Receiver, receiver

T0 = datetime(2026, 11, 2, 6, tzinfo=UTC)
MakeCtx = Callable[..., Context]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def project_spec(
    root: Path, alerts: dict[str, Any], webhooks: dict[str, Any] | None = None
) -> Project:
    ps = ProjectSpec.model_validate(
        {
            "sources": {"data": {"type": "files"}},
            "default_source": "data",
            "reconcile": {"data": "salesforce"},
            "alerts": {"dashboard_url": "https://dq.example.org", **alerts},
            "webhooks": webhooks
            or {"allowed_hosts": ["127.0.0.1"], "allowed_networks": ["127.0.0.1/32"]},
        }
    )
    volunteer = spec("volunteer", {D.completeness: 0.5, D.validity: 0.5}, 80).model_copy(
        update={
            "fields": {"id": FieldSpec(), "sf_id": FieldSpec()},
            "mirror": MirrorSpec(object="Contact", match_on="sf_id", count_tolerance=0.02),
        }
    )
    return Project(root=str(root), spec=ps, entities={"volunteer": volunteer})


@pytest.fixture
def make_ctx(tmp_path: Path, clock: Clock) -> Iterator[MakeCtx]:
    db = Database.connect(f"sqlite:///{tmp_path / 'results.db'}")

    def make(alerts: dict[str, Any], webhooks: dict[str, Any] | None = None) -> Context:
        proj = project_spec(tmp_path, alerts, webhooks)
        return Context(project=proj, db=db, artifacts=ArtifactStore(tmp_path / "art"), clock=clock)

    yield make
    Database.close_all()


def day_run(
    day: int,
    *,
    email_failed: int = 0,
    critical_failed: int = 0,
    count_gap: float = 0.0,
    rows: int = 100,
) -> RunResult:
    """A run on day ``day``: the email rule's and a critical rule's failures as given."""
    count = rule("volunteer.reconcile.count", D.accuracy, S.error, 1, int(count_gap > 0.02))
    count.observed = count_gap
    rules = [
        rule("volunteer.email.required", D.completeness, S.error, rows, email_failed),
        rule("volunteer.id.unique", D.validity, S.critical, rows, critical_failed),
        count,
        rule("volunteer.reconcile.missing_in_vms", D.accuracy, S.error, rows, 0),
    ]
    return run(
        entity("volunteer", rules, rows=rows), run_id=f"d{day:02d}", when=T0 + timedelta(days=day)
    )


def store(ctx: Context, clock: Clock, r: RunResult) -> RunResult:
    """Import ``r`` at its own time (its alerts are evaluated as it finishes)."""
    clock.now = r.started_at
    return import_run(ctx, r)
