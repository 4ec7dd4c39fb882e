"""Points of history series and the anomalies flagged on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HistoryPoint:
    run_id: str
    at: datetime
    score: float | None
    failed: int | None = None
    evaluated: int | None = None
    rows: int | None = None
    config_version: int | None = None

    @property
    def failure_pct(self) -> float | None:
        if not self.evaluated or self.failed is None:
            return None
        return 100.0 * self.failed / self.evaluated


@dataclass(frozen=True)
class Anomaly:
    run_id: str
    at: datetime
    metric: str
    entity: str | None
    dimension: str | None
    rule: str | None
    value: float
    expected: float
    z: float
    kind: str
    sensitivity: float

    @property
    def subject(self) -> str:
        return self.rule or "/".join(x for x in (self.entity, self.dimension) if x) or "overall"

    def describe(self) -> str:
        return (
            f"{self.at:%Y-%m-%d} {self.metric} {self.subject}: {self.value:.2f} "
            f"(expected {self.expected:.2f}, z {self.z:+.1f}, {self.kind})"
        )
