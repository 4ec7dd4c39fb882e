"""Pydantic models of the API: query parameters, bodies and the views it returns.

The views themselves are built in ``vmsdq.services.views``; these models document them in the
OpenAPI document, and the tests check every response against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vmsdq.core.words import Dimension, Outcome, RunStatus, Severity

Limit = Field(default=50, ge=1, le=1000, description="Items per page (1-1000)")
Cursor = Field(default=None, max_length=2000, description="next_cursor of the previous page")
Time = Field(default=None, description="ISO 8601; without an offset, UTC")
Format = Literal["csv", "json", "parquet"]
MAX_INT = 2**31 - 1  # version numbers and the like fit every database's INTEGER


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(View):
    """Every error: application/problem+json."""

    type: str
    title: str
    status: int
    code: str = Field(description="not_found, invalid, forbidden, conflict, unavailable, ...")
    message: str
    field: str | None = Field(description="the offending parameter or body member, if any")


# ---- runs ----


class RunsQuery(Query):
    status: RunStatus | None = None
    since: datetime | None = Time
    until: datetime | None = Time
    cursor: str | None = Cursor
    limit: int = Field(default=20, ge=1, le=1000)


class StartRun(Query):
    entities: list[str] | None = Field(default=None, description="default: every entity")


class RunSummary(View):
    run_id: str
    project: str
    status: str
    started_at: str | None
    finished_at: str | None
    updated_at: str | None
    config_version: int | None
    entities: int
    rules: int
    failed_rules: int
    score: float | None
    band: str | None
    message: str


class RunPage(View):
    items: list[RunSummary]
    next_cursor: str | None


class Step(View):
    kind: str
    name: str
    status: str
    rows: int
    rules_total: int
    rules_done: int
    attempts: int
    message: str
    started_at: str | None
    finished_at: str | None


class ProgressInfo(View):
    steps_done: int
    steps: int
    percent: float
    rows_read: int


class RunProgress(RunSummary):
    progress: ProgressInfo
    steps: list[Step]
    verdict: str | None = Field(description="passed, warned, failed, incomplete once finished")


class RuleResult(View):
    entity: str
    rule: str
    kind: str
    dimension: str
    severity: str
    weight: float
    evaluated: int
    failed: int
    pass_rate: float | None
    outcome: str
    message: str
    observed: float | None


class RuleResultsQuery(Query):
    entity: str | None = None
    dimension: Dimension | None = None
    outcome: Outcome | None = None
    search: str | None = Field(default=None, max_length=200)
    cursor: str | None = Cursor
    limit: int = Field(default=100, ge=1, le=1000)


class RuleResultPage(View):
    items: list[RuleResult]
    next_cursor: str | None


class FailuresQuery(Query):
    rule: str | None = None
    entity: str | None = None
    search: str | None = Field(default=None, max_length=200)
    sort: Literal["key", "rule"] = "key"
    order: Literal["asc", "desc"] = "asc"
    cursor: str | None = Cursor
    limit: int = Limit


class Failure(View):
    rule: str
    key: str | None
    values: dict[str, Any]
    key_parts: dict[str, Any] | None = Field(
        default=None,
        description="A composite key's parts by field, typed (null for a one-field key)",
    )


class FailurePage(View):
    items: list[Failure]
    next_cursor: str | None


class FailureExportQuery(Query):
    rule: str = Field(description="full rule name, e.g. volunteer.email.format")
    format: Format = "csv"


class ResultsExportQuery(Query):
    format: Format = "csv"


# ---- scores ----


class EntityScores(View):
    score: float | None
    band: str | None
    threshold: float
    status: str
    message: str
    dimensions: dict[str, float | None]


class Scores(View):
    overall: float | None
    band: str | None
    threshold: float
    config_version: int | None
    label: str
    entities: dict[str, EntityScores]


class ScoresQuery(Query):
    version: int | None = Field(
        default=None, ge=1, le=MAX_INT, description="rescore under this version"
    )


class Gain(View):
    rule: str
    entity: str
    score: float
    entity_gain: float
    overall_gain: float


class Explanation(View):
    scores: Scores
    entity: str | None
    gains: list[Gain]
    text: list[str]


class ExplainQuery(Query):
    entity: str | None = None
    top: int = Field(default=5, ge=1, le=100)


# ---- catalogue and editor ----


class RuleInfo(View):
    name: str
    entity: str
    kind: str
    dimension: str
    severity: str
    weight: float
    description: str
    scope: str
    source: str
    sql: str = Field(description="the query selecting what the rule fails on (DuckDB)")


class EntitySummary(View):
    name: str
    description: str
    key: str
    fields: list[str]
    mirror: str | None
    file: str
    error: str
    rule_count: int


class EntityInfo(EntitySummary):
    rules: list[RuleInfo]


class EntityList(View):
    items: list[EntitySummary]


class RulesQuery(Query):
    entity: str | None = None
    dimension: Dimension | None = None
    severity: Severity | None = None
    search: str | None = Field(default=None, max_length=200)


class RuleList(View):
    items: list[RuleInfo]


class EntityText(Query):
    yaml: str = Field(max_length=200_000, description="the entity file's new text")


class EntitySource(View):
    entity: str
    file: str
    yaml: str


class PreviewQuery(Query):
    run: str = Field(default="latest", max_length=200)


class EditProblem(View):
    message: str
    line: int
    column: int


class RulePreview(View):
    rule: str
    description: str
    evaluated: int
    failed: int
    outcome: str
    message: str
    failures: list[dict[str, Any]]


class EditPreview(View):
    entity: str
    valid: bool
    problems: list[EditProblem]
    changed: list[str]
    removed: list[str]
    run_id: str | None
    rules: list[RulePreview]
    note: str


# ---- reconciliation ----


class FieldReconciliation(View):
    field: str
    rule: str
    compared: int
    mismatched: int


class Reconciliation(View):
    run_id: str
    entity: str
    system: str
    object: str
    ours: int
    theirs: int
    count_difference: float | None
    count_ok: bool | None
    missing_in_theirs: int
    missing_in_vms: int
    fields: list[FieldReconciliation]


class ReconciliationList(View):
    items: list[Reconciliation]


class MissingQuery(Query):
    side: str = Field(description="vms, or the other system (salesforce)")
    search: str | None = Field(default=None, max_length=200)
    cursor: str | None = Cursor
    limit: int = Limit


class MissingPage(View):
    items: list[dict[str, Any]]
    next_cursor: str | None


class MismatchQuery(Query):
    field: str
    search: str | None = Field(default=None, max_length=200)
    cursor: str | None = Cursor
    limit: int = Limit


class Mismatch(View):
    field: str
    key: str | None
    their_key: str | None
    vms_value: str | None
    their_value: str | None


class MismatchPage(View):
    items: list[Mismatch]
    next_cursor: str | None


# ---- history, trends, anomalies, overview ----


class HistoryQuery(Query):
    entity: str | None = None
    rule: str | None = None
    since: datetime | None = Time
    limit: int | None = Field(default=None, ge=1, le=1000, description="newest points")


class Point(View):
    run_id: str
    at: str | None
    score: float | None
    failed: int | None
    evaluated: int | None
    rows: int | None
    config_version: int | None
    failure_pct: float | None


class Series(View):
    series: str
    points: list[Point]


class HistoryList(View):
    items: list[Series]


class TrendsQuery(Query):
    entity: str | None = None
    rule: str | None = None


class Trend(View):
    series: str
    points: int
    last: float | None
    change_previous: float | None
    change_7d: float | None
    change_30d: float | None
    slope_per_day: float | None
    direction: str
    tolerance: float
    target: float
    target_date: str | None
    target_note: str


class TrendList(View):
    items: list[Trend]


class AnomaliesQuery(Query):
    run: str | None = Field(default=None, max_length=200, description="a run id or latest")
    entity: str | None = None
    since: datetime | None = Time
    limit: int = Field(default=200, ge=1, le=1000)


class Anomaly(View):
    run_id: str
    at: str | None
    metric: str
    entity: str | None
    dimension: str | None
    rule: str | None
    value: float
    expected: float
    z: float
    kind: str
    sensitivity: float
    subject: str


class AnomalyList(View):
    items: list[Anomaly]


class Overview(View):
    latest: RunSummary | None
    scores: Scores | None
    target: float
    trend: list[Point]
    runs: list[RunSummary]
    active: list[RunSummary]
    anomalies: list[Anomaly]
    fix_first: list[Gain]


# ---- settings ----


class SettingsVersion(View):
    version: int
    saved: bool
    note: str
    created_at: str | None
    settings: dict[str, Any]


class SettingsVersions(View):
    items: list[SettingsVersion]


class SettingChange(Query):
    key: str = Field(max_length=200, description="e.g. dimension_weights.validity, target")
    value: str = Field(max_length=2000, description="a YAML value; null removes a map entry")


class SettingPreview(SettingChange):
    run: str = Field(default="latest", max_length=200)


class Validation(View):
    valid: bool
    key: str
    value: str


class ScorePreview(View):
    key: str
    value: str
    before: Scores
    after: Scores


class DiffQuery(Query):
    before: int | None = Field(default=None, ge=1, le=MAX_INT)
    after: int | None = Field(
        default=None, ge=1, le=MAX_INT, description="default: the settings in force"
    )


class Change(View):
    key: str
    before: Any
    after: Any


class SettingsDiff(View):
    before: int
    after: int
    changes: list[Change]
