"""The vocabulary every layer shares (see DESIGN.md, "Concepts")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dimension(StrEnum):
    completeness = "completeness"
    validity = "validity"
    uniqueness = "uniqueness"
    integrity = "integrity"
    consistency = "consistency"
    accuracy = "accuracy"
    timeliness = "timeliness"
    volume = "volume"


class Severity(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"


class FieldType(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    timestamp = "timestamp"


class Outcome(StrEnum):
    passed = "passed"
    failed = "failed"  # failures on a critical or error rule
    warn = "warn"  # failures on a warning or info rule
    error = "error"  # the rule could not be evaluated; see message
    skipped = "skipped"  # no row was evaluated (empty entity, condition never true)


def outcome_for(severity: Severity, evaluated: int, failed: int) -> Outcome:
    if evaluated == 0:
        return Outcome.skipped
    if failed == 0:
        return Outcome.passed
    return Outcome.failed if severity in (Severity.critical, Severity.error) else Outcome.warn


class RunStatus(StrEnum):
    """Where a run (or one entity of it) stands. Persisted as it changes."""

    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"  # the run could not finish (see its message); results may be partial
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.completed, RunStatus.failed, RunStatus.cancelled)


class ViewRole(StrEnum):
    """Why a run reads a view of an entity."""

    own = "own"  # the entity's rows in the default source
    previous = "previous"  # its prior state (transition rules)
    mirror = "mirror"  # the same entity in the other system, under that system's names
    reconcile = "reconcile"  # our rows, seen by the reconciliation checks
    reference = "reference"  # its rows in a reference run (drift rules)


@dataclass(frozen=True, order=True)
class ViewRef:
    """One view a run reads: an entity in a role. ``name`` is the engine's view name."""

    entity: str
    role: ViewRole = ViewRole.own

    @property
    def name(self) -> str:
        return self.entity if self.role is ViewRole.own else f"{self.entity}__{self.role}"

    @classmethod
    def parse(cls, name: str) -> ViewRef:
        """The reference behind an engine view name (``volunteer``, ``volunteer__mirror``);
        a name without a known role suffix is an entity's own view."""
        entity, sep, role = name.rpartition("__")
        if sep and entity and role in ViewRole.__members__ and role != ViewRole.own:
            return cls(entity, ViewRole(role))
        return cls(name)
