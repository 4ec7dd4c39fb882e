"""Results database (runs, rule results, scores) and the artifact folder."""

from vmsdq.store.artifacts import ArtifactStore
from vmsdq.store.records import RuleHistoryRow, ScoreRow
from vmsdq.store.results import (
    ResultsStore,
    StoreConflictError,
    StoreUnavailableError,
    resolve_url,
    safe_url,
)

__all__ = [
    "ArtifactStore",
    "ResultsStore",
    "RuleHistoryRow",
    "ScoreRow",
    "StoreConflictError",
    "StoreUnavailableError",
    "resolve_url",
    "safe_url",
]
