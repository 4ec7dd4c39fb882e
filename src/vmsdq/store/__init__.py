"""The results database (runs, steps, results, scores, settings, anomalies) and artifacts."""

from vmsdq.store.artifacts import ArtifactStore
from vmsdq.store.db import (
    Database,
    StoreOutdatedError,
    StoreUnavailableError,
    resolve_url,
    safe_url,
)
from vmsdq.store.pages import Page
from vmsdq.store.records import RuleHistoryRow, RunSummary, ScoreRow, StepRecord
from vmsdq.store.repos import Repositories

__all__ = [
    "ArtifactStore",
    "Database",
    "Page",
    "Repositories",
    "RuleHistoryRow",
    "RunSummary",
    "ScoreRow",
    "StepRecord",
    "StoreOutdatedError",
    "StoreUnavailableError",
    "resolve_url",
    "safe_url",
]
