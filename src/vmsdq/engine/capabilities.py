"""What a backend can execute, as flags the planner reads (never ``if dialect == ...``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackendCapabilities:
    dialect: str  # SQLGlot dialect the generated SQL is written in
    supports_regex: bool = True  # REGEXP_FULL_MATCH (format rules)
    supports_window: bool = True  # COUNT(*) OVER (unique rules)
    supports_json: bool = True  # JSON_OBJECT (failure values)
    supports_strict_values: bool = True  # Python validators over distinct values
    supports_previous_snapshot: bool = True  # transition rules
    supports_temp_tables: bool = True
    writes_failure_files: bool = True
    max_query_length: int | None = None  # characters; None = unlimited


DUCKDB = BackendCapabilities(dialect="duckdb")
