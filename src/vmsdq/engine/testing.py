"""A small table builder: validate a few in-memory rows against declared fields and rules.

Used by the test suite and handy in a REPL::

    case = TableCase("volunteer", {"id": {}, "email": {"required": True}})
    result = case.rows({"id": "a", "email": "x@y.org"}, {"id": "b", "email": " "}).run(tmp)
    result.failing("volunteer.email.required")  # ["b"]: keys of failing rows, as text
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vmsdq.checks.compiler import compile_entity
from vmsdq.core.results import EntityResult, RuleResult
from vmsdq.core.snapshots import RejectedRecord, Snapshot
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.spec.models import EntitySpec

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@dataclass
class TableCase:
    """One entity (fields + rules) with rows; ``with_entity`` adds related entities."""

    entity: str
    fields: dict[str, Any]
    rules: list[dict[str, Any]] = field(default_factory=list)
    key: str = "id"
    data: list[dict[str, Any]] = field(default_factory=list)
    previous_data: list[dict[str, Any]] | None = None
    reference_data: list[dict[str, Any]] | None = None  # the rows of a reference run (drift)
    rejects: list[RejectedRecord] = field(default_factory=list)
    others: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=dict)
    schema: dict[str, pa.DataType] = field(default_factory=dict)
    declares: dict[str, Any] = field(default_factory=dict)  # more entity keys: schema: ...

    def rows(self, *rows: dict[str, Any]) -> TableCase:
        self.data.extend(rows)
        return self

    def previous(self, *rows: dict[str, Any]) -> TableCase:
        self.previous_data = list(rows)
        return self

    def reference(self, *rows: dict[str, Any]) -> TableCase:
        self.reference_data = list(rows)
        return self

    def with_entity(self, spec: dict[str, Any], rows: list[dict[str, Any]]) -> TableCase:
        self.others[spec["entity"]] = (spec, rows)
        return self

    def spec(self) -> EntitySpec:
        return EntitySpec.model_validate(
            {"entity": self.entity, "key": self.key, "fields": self.fields, "rules": self.rules}
            | self.declares
        )

    def run(self, tmp_path: Path, *, now: datetime = NOW) -> CaseResult:
        main = self.spec()
        specs = {main.entity: main}
        specs |= {n: EntitySpec.model_validate(s) for n, (s, _) in self.others.items()}
        compiled = [compile_entity(spec, specs) for spec in specs.values()]
        snapshots = {self.entity: self._snapshot(self.entity, self.data, main)}
        snapshots[self.entity].rejects = list(self.rejects)
        if self.previous_data is not None:
            previous = self._snapshot(self.entity, self.previous_data, main)
            snapshots[self.entity].previous = previous
        if self.reference_data is not None:
            reference = ViewRef(self.entity, ViewRole.reference).name
            snapshots[reference] = self._snapshot(self.entity, self.reference_data, main)
        for name, (_, rows) in self.others.items():
            snapshots[name] = self._snapshot(name, rows, specs[name])
        results = DuckDBBackend(threads=1).validate(
            compiled, snapshots, failures_dir=tmp_path / "failures", now=now
        )
        return CaseResult({r.entity: r for r in results})

    def _snapshot(self, name: str, rows: list[dict[str, Any]], spec: EntitySpec) -> Snapshot:
        """Arrow table of ``rows``; declared columns no row mentions are all-NULL text."""
        table = pa.Table.from_pylist(rows) if rows else pa.table({})
        for name_, spec_field in spec.fields.items():
            column = spec_field.source_name or name_
            if column not in table.column_names:
                table = table.append_column(column, pa.nulls(len(rows), pa.string()))
        for column, data_type in self.schema.items():
            if name == self.entity and column in table.column_names:
                index = table.column_names.index(column)
                table = table.set_column(index, column, table[column].cast(data_type))
        return Snapshot(entity=name, location=f"memory:{name}", table=table)


@dataclass
class CaseResult:
    entities: dict[str, EntityResult]

    def entity(self, name: str | None = None) -> EntityResult:
        return self.entities[name] if name else next(iter(self.entities.values()))

    def rule(self, name: str) -> RuleResult:
        for result in self.entities.values():
            for rule in result.rules:
                if rule.rule == name:
                    return rule
        raise KeyError(f"no result for rule '{name}'")

    def failures(self, entity: str | None = None) -> list[dict[str, Any]]:
        path = self.entity(entity).failures_path
        assert path is not None
        rows = pq.read_table(path).to_pylist()
        for row in rows:
            row["values"] = json.loads(row["values"])
        return sorted(rows, key=lambda r: (r["rule"], *_nulls_first(r["key"])))

    def failing(self, rule: str) -> list[str]:
        """Sorted keys of the rows that failed ``rule`` (a NULL key first, as None)."""
        entity = rule.split(".", 1)[0]
        return [r["key"] for r in self.failures(entity) if r["rule"] == rule]


def _nulls_first(key: str | None) -> tuple[bool, str]:
    return key is not None, key or ""
