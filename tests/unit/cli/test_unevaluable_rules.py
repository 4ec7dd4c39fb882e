"""A rule DuckDB cannot evaluate is an error outcome, the run is incomplete, and exit 3."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from vmsdq.cli import main

TRIP = {
    "entity": "trip",
    "key": "id",
    "fields": {"id": {"required": True}, "started": {"type": "date"}, "name": {}},
    "rules": [{"name": "odd", "type": "expression", "check": "started - name > 3"}],
}


def _project(tmp_path: Path) -> Path:
    spec = {"name": "p", "sources": {"vms": {"type": "files", "path": "data"}}}
    (tmp_path / "vmsdq.yaml").write_text(yaml.safe_dump({**spec, "default_source": "vms"}))
    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "trip.yaml").write_text(yaml.safe_dump(TRIP, sort_keys=False))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "trip.csv").write_text("id,started,name\n1,2024-01-01,a\n")
    return tmp_path


def test_a_binder_error_makes_the_run_incomplete_and_exits_3(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--project", str(_project(tmp_path))])
    assert result.exit_code == 3, result.output
    out = " ".join(result.output.split())
    assert "incomplete: 1 rules not evaluated" in out
    assert "trip.odd: Binder Error: No function matches" in out
    assert "Candidate functions" not in out and "__key" not in out  # one line, not the SQL
