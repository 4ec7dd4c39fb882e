"""Pydantic models of the project file (``vmsdq.yaml``) and entity files.

These are the *declarations*. ``vmsdq.checks`` compiles them; nothing here runs a query.
The rules under ``rules:``, the shorthand keys of a field and the source types are open:
they are assembled from the registries (``vmsdq.spec.registry``) when a schema is built
(``vmsdq.spec.assembled``), so a rule or source type a plugin registers parses like a shipped one.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from vmsdq.core.errors import ConfigError
from vmsdq.core.tolerance import parse_condition
from vmsdq.core.words import Dimension, FieldType, Severity
from vmsdq.spec.alerts import AlertsSpec, ReportsSpec, WebhooksSpec
from vmsdq.spec.assembled import FIELDS, RULES, SOURCES
from vmsdq.spec.refs import Entity, Expression, Fields
from vmsdq.spec.values import bound_error, regex_error


class Strict(BaseModel):
    # Built on first use, not on import: open parts need the plugins loaded by then.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class RuleMeta(Strict):
    """What every rule carries, whether written out or expanded from shorthand."""

    name: str | None = None
    dimension: Dimension | None = None
    severity: Severity | None = None
    weight: float = Field(default=1.0, ge=0)
    description: str | None = None
    enabled: bool = True
    # tolerances (vmsdq.core.tolerance): the outcome follows these instead of the severity
    fail_when: str | None = None  # e.g. "failed_percent > 1"
    warn_when: str | None = None  # e.g. "failed > 0"
    mostly: float | None = Field(default=None, gt=0, le=1)  # share of rows that must pass

    @field_validator("fail_when", "warn_when")
    @classmethod
    def _is_a_condition(cls, value: str | None) -> str | None:
        if value is not None:
            parse_condition(value)  # ValueError says the accepted form
        return value

    @model_validator(mode="after")
    def _one_failure_condition(self) -> Self:
        if self.mostly is not None and self.fail_when is not None:
            raise ValueError(
                "give 'mostly' or 'fail_when', not both ('mostly: 0.99' is "
                "'fail_when: passed_percent < 99')"
            )
        return self

    def cross_check(self, entities: Mapping[str, EntitySpec]) -> list[tuple[str, str]]:
        """Problems across entities that the ``vmsdq.spec.refs`` markers cannot say, as
        (key the problem is about, message); checked once every file parsed."""
        return []


# ---- field shorthand options (each shorthand takes a scalar or one of these) ----


class RequiredOpts(RuleMeta):
    allow_blank: bool = False  # when false, '' and whitespace-only strings count as missing


class UniqueOpts(RuleMeta):
    within: Annotated[list[str], Fields()] = Field(default_factory=list)  # unique in each group
    ignore_case: bool = False


class FormatName(StrEnum):
    email = "email"
    phone = "phone"
    url = "url"
    postal_code = "postal_code"
    salesforce_id = "salesforce_id"
    regex = "regex"


class FormatOpts(RuleMeta):
    format: FormatName
    pattern: str | None = None  # for format: regex
    strict: bool = False  # validate distinct values with email-validator / phonenumbers
    region: str = "US"  # default region for phone numbers

    @model_validator(mode="after")
    def _regex_needs_pattern(self) -> FormatOpts:
        if self.format is FormatName.regex and not self.pattern:
            raise ValueError("format 'regex' needs 'pattern'")
        error = regex_error(self.pattern) if self.pattern is not None else None
        if error:
            raise ValueError(error)
        return self


class AllowedOpts(RuleMeta):
    values: list[Any]
    ignore_case: bool = False


class RangeOpts(RuleMeta):
    min: Any = None
    max: Any = None
    exclusive: bool = False


class LengthOpts(RuleMeta):
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class ReferenceOpts(RuleMeta):
    entity: Annotated[str, Entity()]
    field: Annotated[str | None, Fields(of="entity")] = None  # default: the target's key
    # filter on the target, e.g. "contact_type = 'Volunteer'"
    where: Annotated[str | None, Expression(of="entity")] = None


class TypeOpts(RuleMeta):
    """Type conformance for text sources (CSV): the raw text must cast to the type."""


def _key(default: Any, description: str) -> Any:
    return Field(default=default, description=description)


class FieldSpec(Strict):
    """A typed field and the shorthand rules it declares (plugins may add shorthand keys)."""

    type: FieldType = _key(
        FieldType.string, "Value type; text sources are checked to cast to it (see check_type)."
    )
    description: str | None = None
    required: bool | RequiredOpts = _key(False, "Value must be present (not NULL, not blank).")
    unique: bool | UniqueOpts = _key(
        False, "No two records share the value (optionally within groups)."
    )
    format: FormatName | FormatOpts | None = _key(
        None, "A named format (email, phone, url, postal_code, salesforce_id, regex)."
    )
    allowed: list[Any] | AllowedOpts | None = _key(None, "The list of allowed values.")
    min: Any = _key(None, "Smallest allowed value (range rule).")
    max: Any = _key(None, "Largest allowed value (range rule).")
    range: RangeOpts | None = None
    length: int | LengthOpts | None = _key(None, "Maximum length in characters, or {min, max}.")
    references: str | ReferenceOpts | None = _key(
        None, "Entity whose key (or 'field') must contain this value."
    )
    check_type: bool | TypeOpts = _key(True, "Check that raw text values cast to 'type'.")
    allow_nonfinite: bool = _key(
        False, "type number: NaN, inf and -inf (any case; also Infinity) are numbers."
    )
    source_name: str | None = _key(
        None, "Column name in the source when it differs from the field name."
    )

    @field_validator("min", "max")
    @classmethod
    def _bound_fits_the_type(cls, value: Any, info: ValidationInfo) -> Any:
        error = bound_error(value, info.data.get("type", FieldType.string))
        if error:
            raise ValueError(error)
        return value

    @field_validator("allow_nonfinite")
    @classmethod
    def _nonfinite_is_for_numbers(cls, value: bool, info: ValidationInfo) -> bool:
        kind = info.data.get("type", FieldType.string)
        if value and kind is not FieldType.number:
            raise ValueError(f"allow_nonfinite applies to type number, not {kind}")
        return value

    @field_validator("range")
    @classmethod
    def _range_fits_the_type(cls, value: RangeOpts | None, info: ValidationInfo) -> Any:
        kind = info.data.get("type", FieldType.string)
        for name in ("min", "max"):
            error = bound_error(getattr(value, name), kind) if value is not None else None
            if error:
                raise ValueError(f"{name}: {error}")
        return value


# ---- rules written out under ``rules:`` ----

Column = Annotated[str, Fields()]
Columns = Annotated[list[str], Fields()]
Condition = Annotated[str | None, Expression()]


class WrittenRule(RuleMeta):
    """A rule under ``rules:``; each type declares ``type: Literal['<its kind>']``."""

    type: str


class ExpressionRule(WrittenRule):
    """A cross-field business rule: ``check`` must hold on each row where ``when`` holds."""

    type: Literal["expression"] = "expression"
    check: Annotated[str, Expression()]
    when: Condition = None
    columns: Columns = Field(default_factory=list)  # offending values to record


class CompositeUniqueRule(WrittenRule):
    type: Literal["unique"]
    columns: Columns = Field(min_length=1)
    within: Columns = Field(default_factory=list)
    when: Condition = None


class AggregateRule(WrittenRule):
    """Compare a count or sum over a related entity with a field of this entity."""

    type: Literal["aggregate"]
    related: Annotated[str, Entity()]  # the child entity, e.g. participation
    foreign_key: Annotated[str, Fields(of="related")]  # its column pointing at our key
    function: Literal["count", "sum", "count_distinct"] = "count"
    column: Annotated[str | None, Fields(of="related")] = None  # for sum / count_distinct
    where: Annotated[str | None, Expression(of="related")] = None  # filter on related rows
    compare: Literal["=", "<=", ">=", "<", ">", "!="] = "="
    field: Column  # this entity's column on the left of ``compare``
    when: Condition = None


class ReferenceRule(WrittenRule):
    """A foreign key written out (several columns or a filtered target)."""

    type: Literal["reference"]
    columns: Columns = Field(min_length=1)
    entity: Annotated[str, Entity()]
    target_columns: Annotated[list[str] | None, Fields(of="entity")] = None
    where: Annotated[str | None, Expression(of="entity")] = None
    when: Condition = None

    def cross_check(self, entities: Mapping[str, EntitySpec]) -> list[tuple[str, str]]:
        target = entities.get(self.entity)
        if target is None:
            return []
        target_columns = self.target_columns or default_target_columns(self.columns, target)
        if len(target_columns) == len(self.columns):
            return []
        message = (
            f"{len(self.columns)} columns but {len(target_columns)} target_columns "
            f"(entity '{target.entity}' key is {target.key_text})"
        )
        return [("columns", message)]


def default_target_columns(columns: list[str], target: EntitySpec) -> list[str]:
    """What a ``reference`` without ``target_columns`` matches: the target's key (all its
    parts; ``columns`` must then have as many)."""
    return target.key_fields


class RowCountRule(WrittenRule):
    type: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    where: Condition = None


class FreshnessRule(WrittenRule):
    """The newest value of ``field`` must be at most ``max_age`` old (e.g. ``36h``, ``7d``)."""

    type: Literal["freshness"]
    field: Column
    max_age: str = Field(pattern=r"^\d+(s|m|h|d)$")


class TransitionRule(WrittenRule):
    """Allowed changes of ``field`` between the previous snapshot and this one."""

    type: Literal["transition"]
    field: Column
    allowed: dict[str, list[str]]  # from -> allowed to (staying the same is always allowed)


NUMERIC_METRICS = ("min", "max", "mean", "median", "stddev", "sum", "quantile")
COUNT_METRICS = ("distinct_count", "duplicate_count", "missing_count", "missing_percent")
MetricName = Literal[
    "min", "max", "mean", "median", "stddev", "sum", "quantile",
    "distinct_count", "duplicate_count", "missing_count", "missing_percent", "avg_length",
]  # fmt: skip


class ChangeSpec(Strict):
    """How far a metric may move from the previous run's value or the last 7 days' mean."""

    compare_to: Literal["previous", "mean_7d"] = "previous"
    max_percent: float | None = Field(default=None, ge=0)  # of the baseline's magnitude
    max_delta: float | None = Field(default=None, ge=0)  # absolute difference

    @model_validator(mode="after")
    def _a_limit(self) -> ChangeSpec:
        if self.max_percent is None and self.max_delta is None:
            raise ValueError("a change check needs 'max_percent' or 'max_delta'")
        return self


class MetricRule(WrittenRule):
    """A measure of one column over the whole entity, with bounds and/or a change limit."""

    type: Literal["metric"]
    metric: MetricName
    field: Column
    quantile: float | None = Field(default=None, gt=0, lt=1)  # for metric: quantile
    min: float | None = None
    max: float | None = None
    change: ChangeSpec | None = None
    where: Condition = None  # measure only the rows where this holds

    @model_validator(mode="after")
    def _complete(self) -> MetricRule:
        if (self.metric == "quantile") != (self.quantile is not None):
            raise ValueError("'quantile' (0 < q < 1) goes with metric 'quantile', and only there")
        if self.min is None and self.max is None and self.change is None:
            raise ValueError("a metric check needs 'min', 'max' or 'change'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


# One entry under ``rules:``: any registered written rule type, chosen by ``type``.
RuleSpec = Annotated[WrittenRule, RULES]


class Normalizer(StrEnum):
    trim = "trim"
    lower = "lower"  # type: ignore[assignment]  # shadows str.lower on purpose
    upper = "upper"  # type: ignore[assignment]
    e164 = "e164"
    utc = "utc"
    date = "date"
    digits = "digits"


class MirrorField(Strict):
    field: str  # field name in the other system
    normalize: list[Normalizer] = Field(default_factory=list)
    values: dict[str, str] = Field(default_factory=dict)  # picklist: other value -> our value


class MirrorSpec(Strict):
    """The same entity in a second system (VMS <-> Salesforce)."""

    system: str = "salesforce"
    object: str  # e.g. Contact
    where: str | None = None  # e.g. "Contact_Type__c = 'Volunteer'"
    key: str = "Id"  # key field in the other system
    match_on: str  # our field holding the other system's key
    fields: dict[str, str | MirrorField] = Field(default_factory=dict)  # ours -> theirs
    modstamp: str = "SystemModstamp"
    count_tolerance: float | None = Field(default=None, ge=0, le=1)


class EntitySource(Strict):
    """Where one entity is read from inside a named source."""

    path: str | None = None  # files: a file or glob, relative to the source folder
    table: str | None = None  # sql: a table name
    query: str | None = None  # sql: a SELECT
    format: Literal["csv", "parquet", "json"] | None = None  # files: default by extension
    previous: str | None = None  # files: snapshot of the previous state (transitions)
    updated_at: str | None = None  # column for incremental runs


class SchemaSpec(Strict):
    """What the source must deliver for the entity: columns, their types, count and order.

    Column names are field names for declared fields (``source_name`` renamed) and the
    source's own names for the others; they compare case-insensitively.
    """

    required_columns: list[str] = Field(default_factory=list)
    forbidden_columns: list[str] = Field(default_factory=list)
    types: dict[str, FieldType] = Field(default_factory=dict)
    column_count: int | None = Field(default=None, ge=1)
    ordered: bool = False  # required_columns appear in the order listed
    severity: Severity = Severity.error
    weight: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> SchemaSpec:
        both = sorted({c.lower() for c in self.required_columns} & {
            c.lower() for c in self.forbidden_columns})  # fmt: skip
        if both:
            raise ValueError(f"columns both required and forbidden: {', '.join(both)}")
        if self.ordered and len(self.required_columns) < 2:
            raise ValueError("'ordered' needs at least two required_columns")
        return self


class EntitySpec(Strict):
    entity: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str | None = None
    # one field, or several (a composite key: [origin, time_hour])
    key: str | Annotated[list[str], Field(min_length=1)]
    sources: dict[str, EntitySource] = Field(default_factory=dict)
    fields: dict[str, Annotated[FieldSpec, FIELDS]]
    rules: list[RuleSpec] = Field(default_factory=list)
    mirror: MirrorSpec | None = None
    dimension_weights: dict[Dimension, float] | None = None
    threshold: float | None = Field(default=None, ge=0, le=100)
    schema_: SchemaSpec | None = Field(
        default=None,
        alias="schema",
        description="Columns, types, count and order the source must deliver (schema checks).",
    )

    @model_validator(mode="after")
    def _key_is_a_field(self) -> EntitySpec:
        parts = self.key_fields
        for part in parts:
            if part not in self.fields:
                raise ValueError(f"key '{part}' is not one of the fields: {sorted(self.fields)}")
        if len(set(parts)) != len(parts):
            raise ValueError(f"key {parts} names a field twice")
        if self.mirror is not None and len(parts) > 1:
            raise ValueError(
                f"a mirrored entity needs a one-field key (reconciliation matches records on "
                f"it); the key is {self.key_text}"
            )
        return self

    @property
    def key_fields(self) -> list[str]:
        """The key's fields, one or more (a composite key)."""
        return [self.key] if isinstance(self.key, str) else list(self.key)

    @property
    def key_text(self) -> str:
        """The key as users read it: ``'id'`` or ``[origin, time_hour]``."""
        return f"'{self.key}'" if isinstance(self.key, str) else f"[{', '.join(self.key)}]"

    def one_key(self, purpose: str) -> str:
        """The one key field; ConfigError when the key is composite and ``purpose`` needs
        a single column."""
        if isinstance(self.key, str):
            return self.key
        if len(self.key) == 1:
            return self.key[0]
        raise ConfigError(
            f"entity '{self.entity}': {purpose} needs a one-field key; the key is {self.key_text}"
        )


# ---- project file ----


class FilesSourceSpec(Strict):
    type: Literal["files"]
    path: str = "data"  # relative to the project folder
    allow: list[str] = Field(default_factory=list)  # more folders entity paths may read


class DemoSourceSpec(Strict):
    type: Literal["demo"]
    volunteers: int = Field(default=1000, ge=1)
    seed: int = 42


class SqlSourceSpec(Strict):
    type: Literal["sql"]
    url: str | None = None  # SQLAlchemy URL; prefer url_env for anything with a password
    url_env: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    pushdown: bool = True
    batch_rows: int = Field(default=100_000, ge=1)


class SalesforceSourceSpec(Strict):
    """A Salesforce org (see docs/salesforce.md). Credentials never live in the YAML."""

    type: Literal["salesforce"]
    # client_credentials and jwt are OAuth 2.0 (recommended); password is SOAP login(),
    # which Salesforce is retiring; session is a session id obtained elsewhere.
    auth: Literal["client_credentials", "jwt", "password", "session"] = "client_credentials"
    instance_url: str | None = None
    domain: str | None = None  # My Domain (acme.my.salesforce.com), login, test, or a proxy URL
    jwt_audience: str | None = None  # JWT aud: login | test | URL; default by domain
    secrets_file: str | None = None  # kept outside the project YAML
    env_prefix: str = "SALESFORCE_"
    api_version: str = Field(default="59.0", pattern=r"^[0-9]{2}\.0$")
    bulk_threshold: int = Field(default=10_000, ge=0)
    lookback_seconds: int = Field(default=600, ge=0)  # incremental reads re-fetch this window


# One source in ``vmsdq.yaml``: any registered source type, chosen by ``type``.
SourceSpec = Annotated[Strict, SOURCES]


class StoreSpec(Strict):
    url: str = "sqlite:///.vmsdq/results.db"  # VMSDQ_DATABASE_URL overrides
    artifacts: str = ".vmsdq/artifacts"
    keep_snapshots: bool = True  # keep what each run read, for `validate --from-run`


class EngineSpec(Strict):
    """Where checks run: the embedded DuckDB engine (the limits below) or Spark SQL.

    ``engine: spark`` (or ``{backend: spark, master: spark://host:7077, conf: {...}}``) runs
    the checks Spark can run exactly as DuckDB does on a Spark cluster (docs/engine.md).
    """

    backend: Literal["duckdb", "spark"] = "duckdb"
    master: str | None = Field(default=None, min_length=1)  # Spark master URL; local[*]
    conf: dict[str, str] = Field(default_factory=dict)  # Spark settings, e.g. executor memory
    threads: int | None = Field(default=None, ge=1)  # default: one per core
    memory_limit: str | None = Field(
        default=None, pattern=r"^\d+(\.\d+)?\s*([KMGT]i?B|B)$"
    )  # e.g. 2GB, 512MiB; default: engine.duckdb_backend.DEFAULT_MEMORY_LIMIT (600MB)
    temp_directory: str | None = None  # where DuckDB spills; relative to the project folder
    # re-evaluate only the rows a change since the last run can affect (results equal a
    # full run's; the state lives in the artifact store, see docs/engine.md)
    incremental: bool = False

    @model_validator(mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        return {"backend": value} if isinstance(value, str) else value  # engine: spark

    @model_validator(mode="after")
    def _spark_only(self) -> EngineSpec:
        if self.backend != "spark" and (self.master is not None or self.conf):
            raise ValueError("'master' and 'conf' are Spark settings: set 'backend: spark'")
        return self


class ScheduleSpec(Strict):
    """One schedule of ``vmsdq beat``: a validation run, or the retention clean-up."""

    task: Literal["validate", "retention"] = "validate"
    every: str | None = Field(default=None, pattern=r"^\d+\s*[smhd]$")  # e.g. 15m, 1h, 1d
    cron: str | None = Field(default=None, pattern=r"^\S+(\s+\S+){4}$")  # m h dom mon dow
    entities: list[str] | Literal["all", "mirrored"] = "all"  # mirrored: those with mirror:
    keep_days: int = Field(default=90, ge=1)  # retention: runs started longer ago go
    enabled: bool = True

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleSpec:
        if (self.every is None) == (self.cron is None):
            raise ValueError("a schedule needs exactly one of 'every' (e.g. 1h) or 'cron'")
        return self


def _default_schedules() -> dict[str, ScheduleSpec]:
    return {
        "reconcile": ScheduleSpec(every="1h", entities="mirrored"),  # counts, missing, mismatch
        "full": ScheduleSpec(cron="0 2 * * *"),
        "retention": ScheduleSpec(task="retention", cron="30 3 * * *"),
    }


class JobsSpec(Strict):
    """Background runs. No broker: runs execute in threads of the calling process."""

    broker: str | None = None  # VMSDQ_BROKER_URL wins; redis://... or amqp://...
    result_backend: str | None = None  # VMSDQ_RESULT_BACKEND; default: Redis broker or store
    cache: str | None = None  # VMSDQ_CACHE_URL; default: a Redis broker, else in-process
    queue: str = "vmsdq"
    threads: int = Field(default=2, ge=1)  # the in-process pool
    task_time_limit: int = Field(default=1800, ge=1)  # seconds one task may take
    visibility_timeout: int | None = Field(default=None, ge=1)  # default: time limit + 60 s
    run_time_limit: int = Field(default=7200, ge=1)  # a run still unfinished is failed
    retries: int = Field(default=3, ge=0)  # of a task that hit a transient error
    retry_backoff: float = Field(default=2.0, gt=0)  # seconds, doubled at each retry
    retry_backoff_max: float = Field(default=300.0, gt=0)
    maintenance_interval: float = Field(default=60.0, gt=0)  # lost and overdue runs swept
    schedules: dict[str, ScheduleSpec] = Field(default_factory=_default_schedules)


class Band(Strict):
    name: str
    min_offset: float  # band applies when score >= threshold + min_offset


class ScoringSpec(Strict):
    severity_weights: dict[Severity, float] = Field(
        default_factory=lambda: {
            Severity.critical: 1.0,
            Severity.error: 0.8,
            Severity.warning: 0.5,
            Severity.info: 0.2,
        }
    )
    # Project-wide dimension weights; an entity's own ``dimension_weights`` win. Written out
    # here so a new project scores out of the box and `vmsdq settings show` lists them.
    dimension_weights: dict[Dimension, float] = Field(
        default_factory=lambda: {
            Dimension.completeness: 0.25,
            Dimension.validity: 0.20,
            Dimension.consistency: 0.20,
            Dimension.integrity: 0.15,
            Dimension.uniqueness: 0.10,
            Dimension.accuracy: 0.10,
            Dimension.timeliness: 0.05,
            Dimension.volume: 0.05,
        }
    )
    entity_weights: dict[str, float] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    default_threshold: float = Field(default=75, ge=0, le=100)
    bands: list[Band] = Field(
        default_factory=lambda: [
            Band(name="excellent", min_offset=15),
            Band(name="good", min_offset=5),
            Band(name="fair", min_offset=0),
            Band(name="poor", min_offset=-15),
            Band(name="critical", min_offset=-1000),
        ]
    )
    fail_under: float | None = Field(default=None, ge=0, le=100)
    target: float = Field(default=85, ge=0, le=100)


class ProjectSpec(Strict):
    name: str = "vmsdq"
    tenant: str = "default"
    sources: dict[str, SourceSpec]
    default_source: str
    entities: list[str] = Field(default_factory=lambda: ["entities/*.yaml"])
    store: StoreSpec = Field(default_factory=StoreSpec)
    engine: EngineSpec = Field(default_factory=EngineSpec)
    scoring: ScoringSpec = Field(default_factory=ScoringSpec)
    reconcile: dict[str, str] = Field(default_factory=dict)  # e.g. {vms: salesforce}
    jobs: JobsSpec = Field(default_factory=JobsSpec)
    alerts: AlertsSpec = Field(default_factory=AlertsSpec)
    webhooks: WebhooksSpec = Field(default_factory=WebhooksSpec)
    reports: ReportsSpec = Field(default_factory=ReportsSpec)

    @model_validator(mode="after")
    def _default_source_exists(self) -> ProjectSpec:
        if self.default_source not in self.sources:
            raise ValueError(
                f"default_source '{self.default_source}' is not one of the sources: "
                f"{sorted(self.sources)}"
            )
        if getattr(self.sources[self.default_source], "type", None) == "salesforce":
            # its reads select the mirror's key and mapped fields under Salesforce's names,
            # for reconciliation only: an entity's own fields would all be missing
            raise ValueError(
                f"default_source '{self.default_source}' is a Salesforce source, which only "
                "serves reconciliation (reconcile: {<default_source>: "
                f"{self.default_source}}}); read the entities from another source"
            )
        return self


class Project(BaseModel):
    """A loaded project: the parsed files plus where they came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    root: str
    spec: ProjectSpec
    entities: dict[str, EntitySpec]
    entity_files: dict[str, str] = Field(default_factory=dict)
    rule_locations: dict[str, str] = Field(default_factory=dict)  # full rule name -> file:line:col


# Models whose schema holds open parts, inner first: rebuilt when the registries change.
OPEN_MODELS: tuple[type[BaseModel], ...] = (EntitySpec, ProjectSpec, Project)
