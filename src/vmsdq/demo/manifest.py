"""What ``generate_demo`` produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass
class DemoManifest:
    """Files, sizes and injected defects of one generated demo project.

    ``injected`` maps rule -> number of rows deliberately damaged for it (malformed lines for
    ``teacher.record.parseable``, 1 for a table rule); the truth file holds their keys plus
    the side effects. ``missing`` lists injected pairs the independent
    oracle did not confirm (always empty unless the generator itself is wrong). For a project
    whose rules were edited, ``uninjected`` and ``unchecked`` name the written rules the demo
    has no defect injection or no Python meaning for.
    """

    project_dir: Path
    volunteers: int
    seed: int
    defect_scale: float
    as_of: datetime
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)
    truth_path: Path | None = None
    truth_rows: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    uninjected: list[str] = field(default_factory=list)  # written rules the demo cannot damage
    unchecked: list[str] = field(default_factory=list)  # rules left out of the truth (custom SQL)
    seconds: float = 0.0
    salesforce: dict[str, set[str]] = field(default_factory=dict)  # reconciliation truth

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())
