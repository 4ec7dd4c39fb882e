"""``vmsdq demo --history N`` says how far it got: one line per stored day on stderr when
stderr is no terminal (a rich bar on a terminal), nothing of it on stdout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main


@pytest.mark.slow
def test_history_progress_is_one_line_per_day_on_stderr(tmp_path: Path) -> None:
    args = ["demo", "--volunteers", "80", "--history", "2", "--dir", str(tmp_path), "--no-serve"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    days = re.findall(
        r"^history: day (\d)/2 \((\d{4}-\d\d-\d\d)\) stored, \d+ s$", result.stderr, re.M
    )
    assert [d for d, _ in days] == ["1", "2"]
    assert days[0][1] < days[1][1]  # oldest first, one day apart
    assert "history: day" not in result.stdout
    assert "Simulating 2 days of history" in result.stdout
