"""What a rule compile function gets: the rule's resolved metadata and SQL helpers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from vmsdq.checks.model import BASE, Check, Relation, StrictValues
from vmsdq.checks.sql import cast, col, is_present, qualify, raw_col
from vmsdq.core.errors import ConfigError, Location
from vmsdq.core.tolerance import Tolerance
from vmsdq.core.words import Dimension, FieldType, Severity
from vmsdq.spec.models import EntitySpec, FieldSpec


@dataclass(frozen=True)
class RuleContext:
    """One rule being compiled: its full name, metadata and the entities it may read."""

    entity: EntitySpec
    entities: Mapping[str, EntitySpec]
    name: str
    kind: str
    dimension: Dimension
    severity: Severity
    weight: float
    description: str
    location: Location | None = None
    tolerance: Tolerance | None = None

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"rule '{self.name}': {message}", self.location)

    def field(self, name: str, entity: EntitySpec | None = None) -> FieldSpec:
        owner = entity or self.entity
        try:
            return owner.fields[name]
        except KeyError:
            raise self.error(
                f"entity '{owner.entity}' has no field '{name}'; fields: {sorted(owner.fields)}"
            ) from None

    def target(self, entity: str) -> EntitySpec:
        try:
            return self.entities[entity]
        except KeyError:
            raise self.error(
                f"unknown entity '{entity}'; entities: {sorted(self.entities)}"
            ) from None

    def one_key(self, purpose: str, entity: EntitySpec | None = None) -> str:
        """The one key field of ``entity`` (default: the rule's), or this rule's error when
        the key is composite and ``purpose`` needs one column."""
        try:
            return (entity or self.entity).one_key(purpose)
        except ConfigError as e:
            raise self.error(e.message) from None

    def column(self, name: str) -> exp.Column:
        self.field(name)
        return col(name)

    def is_text(self, name: str, entity: EntitySpec | None = None) -> bool:
        return self.field(name, entity).type is FieldType.string

    def raw(self, name: str) -> exp.Column:
        """The field's value as the source holds it, before TRY_CAST (for recorded values)."""
        return self.column(name) if self.is_text(name) else raw_col(name)

    def raw_text(self, name: str) -> exp.Expr:
        """The field's source value as text (the typed column for string fields)."""
        return self.column(name) if self.is_text(name) else cast(raw_col(name), "VARCHAR")

    def present(self, name: str) -> exp.Expr:
        return is_present(self.column(name), text=self.is_text(name), own=True)

    def parse(
        self, sql: str, *, entity: EntitySpec | None = None, table: str | None = BASE
    ) -> exp.Expr:
        """A user expression through the sandbox, columns qualified with ``table``."""
        from vmsdq.spec.sandbox import parse_expression

        owner = entity or self.entity
        columns: Collection[str] = owner.fields.keys()  # a set view: no copy per expression
        parsed = parse_expression(sql, rule=self.name, location=self.location, columns=columns)
        return qualify(parsed, table) if table else parsed

    def row_check(
        self,
        fails: exp.Expr,
        *,
        applies: exp.Expr | None = None,
        values: Iterable[tuple[str, exp.Expr]] = (),
        relations: Iterable[Relation] = (),
        strict: Iterable[StrictValues] = (),
    ) -> Check:
        return self._template(
            fails=fails,
            applies=applies,
            values=tuple(values),
            relations=tuple(relations),
            strict=tuple(strict),
        )

    def table_check(self, metric: exp.Expr, fails: exp.Expr) -> Check:
        """``fails`` is written over the column ``metric`` (the aggregate's value)."""
        return self._template(scope="table", metric=metric, fails=fails)

    def _template(self, **parts: Any) -> Check:
        return Check(
            name=self.name,
            entity=self.entity.entity,
            kind=self.kind,
            dimension=self.dimension,
            severity=self.severity,
            weight=self.weight,
            description=self.description,
            source=str(self.location) if self.location else "",
            tolerance=self.tolerance,
            **parts,
        )
