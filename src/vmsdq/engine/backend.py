"""The backend protocol and the one capabilities type the planner reads.

A backend runs compiled checks where a copy of the data is (DuckDB over snapshots) or where
the data lives (a SQL database). Each declares what it can run in a ``Capabilities`` object;
the planner reads those flags, never the dialect's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from vmsdq.checks.model import CompiledEntity
    from vmsdq.core.results import EntityResult

Progress = Callable[[str, str], None]  # (entity, stage)

ViewT = TypeVar("ViewT", contravariant=True)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can evaluate and how its SQL must be written.

    The flags about checks (``supports_*_checks``, regex, windows, strict values, previous
    snapshot, ``functions``) decide what the planner sends to a backend; the others (casts,
    aggregate filters, epochs, timestamp precision, session) decide how its SQL is written.
    """

    dialect: str  # SQLGlot dialect the generated SQL is written in
    supports_row_checks: bool = True  # one flag per row, counted by one aggregate
    supports_table_checks: bool = True  # row_count and freshness as one aggregate
    supports_schema_checks: bool = True  # the delivered columns and types are known
    supports_regex: bool = True  # regular expressions with RE2 semantics (format, blanks)
    supports_window: bool = True  # COUNT(*) OVER (...) (unique rules)
    supports_strict_values: bool = False  # Python validators over distinct values
    supports_previous_snapshot: bool = False  # the previous state (transition rules)
    supports_try_cast: bool = False  # TRY_CAST; else CAST only where the column type fits
    supports_aggregate_filter: bool = True  # COUNT(*) FILTER (WHERE ...)
    supports_epoch: bool = True  # seconds since 1970 as a function SQLGlot writes
    timestamp_precision: int | None = None  # give casts to TIMESTAMP this precision
    # SQLGlot function classes (an unknown function: its upper-case name) whose SQL in this
    # dialect gives exactly DuckDB's results; None: every function. The planner keeps a
    # check using any other function in DuckDB.
    functions: frozenset[str] | None = None
    session: tuple[str, ...] = ()  # statements run on every new connection (UTC)
    # An RE2 full match as the dialect's partial match ({} is the pattern): Java's needs
    # UNIX_LINES and \A...\z ('$' matches before a final newline there).
    full_match: str = "^(?:{})$"


class Backend(Protocol[ViewT]):
    """Runs compiled checks over views: snapshots for DuckDB, tables for a database.

    ``validate`` runs every check it is given; the planner (``vmsdq.engine.planner``) gives
    a backend only what its capabilities and ``refusals`` allow.
    """

    @property
    def capabilities(self) -> Capabilities: ...

    def refusals(self, entity: CompiledEntity, views: Mapping[str, ViewT], /) -> dict[str, str]:
        """Checks the flags allow but these views do not (e.g. an unsafe cast), with why."""
        ...

    def validate(
        self,
        entities: Sequence[CompiledEntity],
        views: Mapping[str, ViewT],
        /,
        *,
        failures_dir: Path,
        now: datetime,
        progress: Progress | None = None,
    ) -> list[EntityResult]:
        """One result per entity; failing rows go to ``failures_dir/<entity>.parquet``."""
        ...
