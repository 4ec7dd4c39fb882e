"""SQL pushdown: run an entity's compiled row checks inside the source database.

The checks' SQLGlot AST (written for DuckDB) is rewritten where the database differs
(``TRY_CAST`` only where the column already has a compatible type, RE2 full matches as the
database's regex operator) and transpiled to its dialect. The capabilities decide which checks
can go down; the rest are returned for the DuckDB backend (read the rows instead). Counts
and failing keys are the same as the DuckDB backend's for every pushed check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from vmsdq.checks.model import Check, CompiledEntity
from vmsdq.core.errors import SourceError
from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.core.words import outcome_for
from vmsdq.engine.plan import KEY, RowPlan, flags_select
from vmsdq.sources.sql_url import DatabaseUrl, resolve_url
from vmsdq.spec.models import SqlSourceSpec

VIEW = "__pushdown_base"


@dataclass(frozen=True)
class PushdownCapabilities:
    """What a database can evaluate; the planner reads these flags, never the dialect."""

    dialect: str  # SQLGlot dialect
    supports_regex: bool = True  # RE2-compatible full matches
    regex: str = "operator"  # operator: ``x ~ p`` | function: ``REGEXP_LIKE(x, p)``
    supports_window: bool = True
    supports_try_cast: bool = False  # if False, casts only where the column type fits
    supports_row_checks: bool = True
    supports_table_checks: bool = False  # row_count/freshness are run from the rows


CAPABILITIES: dict[str, PushdownCapabilities] = {
    "postgresql": PushdownCapabilities(dialect="postgres"),
    # ICU (MySQL) and PCRE (MariaDB) disagree with RE2 on classes and escapes: read rows.
    "mysql": PushdownCapabilities(dialect="mysql", supports_regex=False, regex="function"),
    "mariadb": PushdownCapabilities(dialect="mysql", supports_regex=False, regex="function"),
    "duckdb": PushdownCapabilities(dialect="duckdb", supports_try_cast=True),
}

# DB column type (SQLAlchemy class name, lower case, prefix) -> DuckDB types it casts to safely
SAFE_CASTS: dict[str, set[str]] = {
    "int": {"BIGINT", "DOUBLE", "VARCHAR"},
    "smallint": {"BIGINT", "DOUBLE", "VARCHAR"},
    "bigint": {"BIGINT", "DOUBLE", "VARCHAR"},
    "numeric": {"DOUBLE", "VARCHAR"},
    "decimal": {"DOUBLE", "VARCHAR"},
    "float": {"DOUBLE", "VARCHAR"},
    "double": {"DOUBLE", "VARCHAR"},
    "real": {"DOUBLE", "VARCHAR"},
    "date": {"DATE", "TIMESTAMP", "VARCHAR"},
    "datetime": {"TIMESTAMP", "VARCHAR"},
    "timestamp": {"TIMESTAMP", "VARCHAR"},
    "bool": {"BOOLEAN", "VARCHAR"},
    "varchar": {"VARCHAR"},
    "text": {"VARCHAR"},
    "char": {"VARCHAR"},
    "string": {"VARCHAR"},
    "enum": {"VARCHAR"},
    "uuid": {"VARCHAR"},
}


TYPE_NAMES = {"TEXT": "VARCHAR", "INT": "BIGINT", "FLOAT": "DOUBLE", "DATETIME": "TIMESTAMP"}


@dataclass
class PushdownResult:
    """Counts of the pushed checks (as the DuckDB backend reports them) and what was not pushed."""

    result: EntityResult
    failing: dict[str, set[str]] = field(default_factory=dict)  # rule -> failing keys
    fallback: list[Check] = field(default_factory=list)  # run these from the rows instead
    reasons: dict[str, str] = field(default_factory=dict)  # rule -> why it was not pushed
    queries: list[str] = field(default_factory=list)  # the SQL sent, for reading


class PushdownBackend:
    """Evaluates compiled row checks in the database at ``url`` (a SQLAlchemy URL)."""

    def __init__(self, url: str, *, capabilities: PushdownCapabilities | None = None) -> None:
        spec = SqlSourceSpec(type="sql", url=url)
        self.db: DatabaseUrl = resolve_url("pushdown", spec, root=Path.cwd())
        found = CAPABILITIES.get(self.db.backend)
        if capabilities is None and found is None:
            raise SourceError(f"no pushdown for {self.db.backend} databases ({self.db.safe})")
        self.capabilities: PushdownCapabilities = capabilities or found  # type: ignore[assignment]

    def validate(
        self, entity: CompiledEntity, tables: Mapping[str, str], *, keys: bool = True
    ) -> PushdownResult:
        """Run the pushable checks of ``entity``.

        Args:
            entity: compiled entity (from ``vmsdq.checks.compile_entity``).
            tables: view name -> table in this database; must contain ``entity.name``,
                plus every other entity a check reads (references, aggregates).
            keys: also fetch the failing keys (one more query, returning failures only).
        """
        from sqlalchemy import create_engine

        engine = create_engine(self.db.sqlalchemy())
        try:
            with engine.connect() as conn:
                types = _column_types(conn, tables)
                pushed, reasons = self.plan(entity, tables, types)
                out = PushdownResult(
                    EntityResult(entity=entity.name, rows=0, location=self.db.safe)
                )
                out.fallback = [c for c in entity.checks if c.name in reasons]
                out.reasons = reasons
                if pushed:
                    self._run(conn, entity, pushed, tables, types, out, keys)
        except SourceError:
            raise
        except Exception as exc:  # driver errors differ per database
            raise SourceError(
                f"entity '{entity.name}': pushdown to {self.db.safe} failed: "
                f"{self.db.scrub(str(exc).splitlines()[0])}"
            ) from None
        finally:
            engine.dispose()
        return out

    def plan(
        self,
        entity: CompiledEntity,
        tables: Mapping[str, str],
        types: Mapping[str, Mapping[str, str]],
    ) -> tuple[list[Check], dict[str, str]]:
        """Checks that can run in the database, and why each other one cannot."""
        pushed: list[Check] = []
        reasons: dict[str, str] = {}
        for check in entity.checks:
            reason = self._refuse(entity, check, tables, types)
            if reason:
                reasons[check.name] = reason
            else:
                pushed.append(check)
        return pushed, reasons

    def _refuse(
        self,
        entity: CompiledEntity,
        check: Check,
        tables: Mapping[str, str],
        types: Mapping[str, Mapping[str, str]],
    ) -> str | None:
        caps = self.capabilities
        if check.scope != "row" or not caps.supports_row_checks:
            return "table checks are evaluated from the rows"
        if check.strict:
            return "strict validation runs in Python"
        sql = self._sql(entity, [check], tables, types)
        if sql is None:
            return "a column's database type does not cast safely to the declared type"
        tree = sqlglot.parse_one(sql, read=caps.dialect)
        if not caps.supports_regex and tree.find(exp.RegexpLike, exp.RegexpFullMatch):
            return f"{caps.dialect} regular expressions differ from RE2"
        if not caps.supports_window and tree.find(exp.Window):
            return "no window functions"
        missing = {t.name for r in check.relations for t in r.query.find_all(exp.Table)}
        missing = {m for m in missing if not m.startswith("__")} - set(tables)
        if missing:
            return f"not in this database: {', '.join(sorted(missing))}"
        return None

    def _sql(
        self,
        entity: CompiledEntity,
        checks: Sequence[Check],
        tables: Mapping[str, str],
        types: Mapping[str, Mapping[str, str]],
    ) -> str | None:
        """The flags SELECT in the database's dialect, or None when a cast is unsafe."""
        select = flags_select(RowPlan(list(checks)), entity, VIEW)
        rewritten = _rewrite(
            select, self.capabilities, {VIEW: tables[entity.name], **tables}, types
        )
        if rewritten is None:
            return None
        return rewritten.sql(
            dialect=self.capabilities.dialect, unsupported_level=sqlglot.ErrorLevel.RAISE
        )

    def _run(
        self,
        conn: object,
        entity: CompiledEntity,
        checks: list[Check],
        tables: Mapping[str, str],
        types: Mapping[str, Mapping[str, str]],
        out: PushdownResult,
        keys: bool,
    ) -> None:
        from sqlalchemy import text

        flags = self._sql(entity, checks, tables, types)
        assert flags is not None  # every pushed check passed _refuse
        dialect = self.capabilities.dialect
        counts = _counts_query(flags, len(checks), dialect)
        out.queries.append(counts)
        row = conn.execute(text(counts)).one()  # type: ignore[attr-defined]
        out.result.rows = int(row[0])
        for i, check in enumerate(checks):
            evaluated, failed = int(row[1 + 2 * i] or 0), int(row[2 + 2 * i] or 0)
            out.result.rules.append(_rule_result(check, evaluated, failed))
        if keys and any(r.failed for r in out.result.rules):
            query = _failing_query(flags, len(checks), dialect)
            out.queries.append(query)
            out.failing = {c.name: set() for c in checks}
            for found in conn.execute(text(query)):  # type: ignore[attr-defined]
                for i, check in enumerate(checks):
                    if found[1 + i]:
                        out.failing[check.name].add(str(found[0]))


def _rule_result(check: Check, evaluated: int, failed: int) -> RuleResult:
    return RuleResult(
        rule=check.name, entity=check.entity, kind=check.kind, dimension=check.dimension,
        severity=check.severity, weight=check.weight, evaluated=evaluated, failed=failed,
        outcome=outcome_for(check.severity, evaluated, failed),
    )  # fmt: skip


def _counts_query(flags: str, count: int, dialect: str) -> str:
    """COUNT(*), then per check: rows evaluated (flag not NULL) and rows failed (flag TRUE)."""
    inner = sqlglot.parse_one(flags, read=dialect)
    items: list[exp.Expr] = [exp.Count(this=exp.Star())]
    for i in range(count):
        flag = exp.column(f"c{i}", quoted=True)
        failed = exp.Case(ifs=[exp.If(this=flag.copy(), true=exp.Literal.number(1))])
        items += [exp.Count(this=flag), exp.Sum(this=failed)]
    query = exp.select(*items).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("f")))
    )
    return query.sql(dialect=dialect)


def _failing_query(flags: str, count: int, dialect: str) -> str:
    inner = sqlglot.parse_one(flags, read=dialect)
    flags_cols = [exp.column(f"c{i}", quoted=True) for i in range(count)]
    any_failed = exp.or_(*[exp.EQ(this=f.copy(), expression=exp.true()) for f in flags_cols])
    query = (
        exp.select(exp.column(KEY, quoted=True), *flags_cols)
        .from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("f"))))
        .where(any_failed)
    )
    return query.sql(dialect=dialect)


def _rewrite(
    select: exp.Select,
    caps: PushdownCapabilities,
    tables: Mapping[str, str],
    types: Mapping[str, Mapping[str, str]],
) -> exp.Expr | None:
    """Tables renamed, TRY_CAST made safe, RE2 full matches as the database's regex."""
    unsafe: list[str] = []
    allowed = _column_casts(types)

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and node.name in tables:
            return exp.to_table(tables[node.name], dialect=caps.dialect)
        if isinstance(node, exp.TryCast) and not caps.supports_try_cast:
            target = TYPE_NAMES.get(node.to.this.name, node.to.this.name)
            name = node.this.name if isinstance(node.this, exp.Column) else ""
            if target not in allowed.get(name, set()):
                unsafe.append(name)
            return exp.Cast(this=node.this, to=node.to)
        if isinstance(node, exp.RegexpFullMatch):
            pattern = exp.Literal.string(f"^(?:{node.expression.name})$")
            return exp.RegexpLike(this=node.this, expression=pattern)
        return node

    rewritten = select.copy().transform(fix)
    return None if unsafe else rewritten


def _column_casts(types: Mapping[str, Mapping[str, str]]) -> dict[str, set[str]]:
    """Column name -> DuckDB types it casts to safely in every table that has it."""
    out: dict[str, set[str]] = {}
    for columns in types.values():
        for name, db_type in columns.items():
            safe = next((v for k, v in SAFE_CASTS.items() if db_type.startswith(k)), {"VARCHAR"})
            out[name] = out[name] & safe if name in out else set(safe)
    return out


def _column_types(conn: object, tables: Mapping[str, str]) -> dict[str, dict[str, str]]:
    from sqlalchemy import inspect

    inspector = inspect(conn)
    found: dict[str, dict[str, str]] = {}
    for view, name in tables.items():
        schema, _, table = name.rpartition(".")
        columns = inspector.get_columns(table, schema=schema or None)
        found[view] = {c["name"]: type(c["type"]).__name__.lower() for c in columns}
    return found
