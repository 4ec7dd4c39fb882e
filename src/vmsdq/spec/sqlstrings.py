"""Every string of the spec models that reaches SQL, and the sandbox each one goes through.

The values marked with :mod:`vmsdq.spec.refs` (``Expression``, ``Fields``, ``Entity``) are
checked by ``crosscheck``; the others are listed in ``SQL_STRINGS`` and checked here, at
``vmsdq check`` (with ``file:line:column``) and again where they are used at run time. A test
walks the models and fails on a string field that is in neither place nor in ``NOT_SQL``, so
a new field cannot reach SQL unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from vmsdq.core.errors import ConfigError
from vmsdq.spec.crosscheck import Checker, Parsed
from vmsdq.spec.mirror_where import parse_where
from vmsdq.spec.models import MirrorField
from vmsdq.spec.sandbox_source import dialect_of, parse_source_query, parse_table_name

# "Model.field" -> how the value is made safe before it reaches SQL (or SOQL).
SQL_STRINGS = {
    "MirrorSpec.where": "SOQL condition: the sandbox's SOQL allow-list (mirror_where)",
    "EntitySource.query": "one SELECT: the sandbox's query allow-list (sandbox_source)",
    "EntitySource.table": "a table name of one to three identifiers (sandbox_source)",
    "MirrorSpec.object": "a Salesforce object name (letters, digits, _)",
    "MirrorSpec.key": "a Salesforce field name",
    "MirrorSpec.modstamp": "a Salesforce field name",
    "MirrorSpec.fields": "Salesforce field names (values; keys are Fields of the entity)",
    "MirrorField.field": "a Salesforce field name",
    "MirrorSpec.match_on": "a field of the entity (quoted identifier)",
    "EntitySource.updated_at": "a field of the entity (quoted identifier)",
    "FieldSpec.source_name": "a column name, always a quoted identifier",
    "EntitySpec.fields": "field names (keys), always quoted identifiers",
    "EntitySpec.key": "a field of the entity (quoted identifier)",
    "SqlSourceSpec.schema_": "a schema name, always a quoted identifier",
    "FormatOpts.pattern": "a regular expression, always a string literal",
    "AllowedOpts.values": "values, always literals",
    "FieldSpec.allowed": "values, always literals",
    "TransitionRule.allowed": "values, always literals",
    "MirrorField.values": "picklist values, always literals",
    "FieldSpec.min": "a bound, always a typed literal",
    "FieldSpec.max": "a bound, always a typed literal",
    "RangeOpts.min": "a bound, always a typed literal",
    "RangeOpts.max": "a bound, always a typed literal",
    "FieldSpec.references": "an entity of the project (checked like refs.Entity)",
    "RuleMeta.name": "a rule name, always a string literal",
    "EntitySpec.entity": "an entity name: ^[a-z][a-z0-9_]*$ (pattern of the model)",
}

# Strings that never reach SQL: names of things, paths read through the Python APIs, URLs.
NOT_SQL = {
    "RuleMeta.description", "EntitySpec.description", "FieldSpec.description",
    "WrittenRule.type", "FormatOpts.region", "FreshnessRule.max_age", "MirrorSpec.system",
    "EntitySource.path", "EntitySource.previous", "EntitySpec.sources", "FilesSourceSpec.path",
    "FilesSourceSpec.allow",
    "EngineSpec.memory_limit", "EngineSpec.temp_directory", "StoreSpec.url",
    "StoreSpec.artifacts", "SqlSourceSpec.url", "SqlSourceSpec.url_env", "Band.name",
    "ProjectSpec.name", "ProjectSpec.tenant", "ProjectSpec.sources",
    "ProjectSpec.default_source", "ProjectSpec.entities", "ProjectSpec.reconcile",
    "ScoringSpec.entity_weights", "ScoringSpec.thresholds", "JobsSpec.broker",
    "JobsSpec.result_backend", "JobsSpec.cache", "JobsSpec.queue", "JobsSpec.schedules",
    "ScheduleSpec.every", "ScheduleSpec.cron", "ScheduleSpec.entities",
    "SalesforceSourceSpec.instance_url", "SalesforceSourceSpec.domain",
    "SalesforceSourceSpec.jwt_audience", "SalesforceSourceSpec.secrets_file",
    "SalesforceSourceSpec.env_prefix", "SalesforceSourceSpec.api_version",
    # Spark session settings (configuration values, not SQL)
    "EngineSpec.master", "EngineSpec.conf",
    # a JSON Schema, read by the jsonschema library in Python (a digest names its table)
    "JsonOpts.schema_",
}  # fmt: skip
# Tolerances are parsed by vmsdq.core.tolerance; metric names and schema expectations are
# compared in Python with what the source delivers (vmsdq.engine.schema); none reaches SQL.
NOT_SQL |= {
    "DriftRule.reference",  # "previous" or a run id, looked up in the results store
    "RuleMeta.fail_when", "RuleMeta.warn_when",
    "SchemaSpec.required_columns", "SchemaSpec.forbidden_columns", "SchemaSpec.types",
}  # fmt: skip
# alerts:, webhooks:, reports: (spec/alerts.py): names, durations, addresses, URLs and
# messages; none reaches SQL (scopes are compared with results in Python).
NOT_SQL |= {
    "AlertsSpec.dashboard_url", "AlertsSpec.cooldown", "AlertsSpec.channels",
    "EmailChannelSpec.to", "EmailChannelSpec.sender", "SmtpSpec.host", "SmtpSpec.username_env",
    "SmtpSpec.password_env", "SmtpSpec.ca_file", "WebhookChannelSpec.url",
    "WebhookChannelSpec.url_env", "WebhookChannelSpec.secret_env", "AlertRuleSpec.name",
    "AlertScope.tenant", "AlertScope.entity", "AlertScope.rule", "AlertRuleSpec.max_age",
    "AlertRuleSpec.cooldown", "AlertRuleSpec.channels", "AlertRuleSpec.description",
    "WebhooksSpec.allowed_hosts", "WebhooksSpec.allowed_networks", "WebhooksSpec.retry_backoff",
    "WebhooksSpec.retry_backoff_max", "WebhooksSpec.retry_for", "WebhooksSpec.disable_after",
    "ReportsSpec.schedules", "ReportSpec.cron", "ReportSpec.channels",
}  # fmt: skip

_SOQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def check_sql_strings(checker: Checker, parsed: Parsed, sources: Mapping[str, Any] | None) -> None:
    """The entity's SQL-bearing strings that no ``refs`` marker covers, through the sandbox."""
    spec, doc = parsed.spec, parsed.doc

    def guard(
        path: tuple[str | int, ...], check: Callable[..., object], *args: Any, **kw: Any
    ) -> None:
        try:
            check(*args, location=doc.location(path), **kw)
        except ConfigError as e:
            checker.errors.append(e)

    mirror = spec.mirror
    if mirror is not None:
        if mirror.where is not None:
            guard(("mirror", "where"), parse_where, spec.entity, mirror.where)
        names: list[tuple[tuple[str | int, ...], str]] = [
            (("mirror", "object"), mirror.object),
            (("mirror", "key"), mirror.key),
            (("mirror", "modstamp"), mirror.modstamp),
        ]
        for ours, theirs in mirror.fields.items():
            name = theirs.field if isinstance(theirs, MirrorField) else theirs
            names.append((("mirror", "fields", ours), name))
        for path, name in names:
            if not _SOQL_NAME.match(name):
                message = f"'{name}' is not a Salesforce name (letters, digits and _)"
                checker.error(doc, path, message)
    for name, declared in spec.sources.items():
        dialect = dialect_of(sources.get(name) if sources else None)
        where = {"entity": spec.entity, "source": name, "dialect": dialect}
        if declared.query is not None:
            guard(("sources", name, "query"), parse_source_query, declared.query, **where)
        if declared.table is not None:
            guard(("sources", name, "table"), parse_table_name, declared.table, **where)
        if declared.updated_at is not None:
            checker.fields(doc, ("sources", name, "updated_at"), declared.updated_at, spec)
