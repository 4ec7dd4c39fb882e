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


def test_check_with_data_binds_every_rule_at_its_file_and_line(tmp_path: Path) -> None:
    project = _project(tmp_path)
    rules = [*TRIP["rules"], {"name": "none_of", "type": "expression", "check": "name NOT IN ()"}]
    entity = {**TRIP, "rules": rules}
    text = yaml.safe_dump(entity, sort_keys=False)
    (project / "entities" / "trip.yaml").write_text(text)
    lines = text.splitlines()
    odd, none_of = (lines.index(f"- name: {n}") + 1 for n in ("odd", "none_of"))
    plain = CliRunner().invoke(main, ["check", "--project", str(project)])
    assert plain.exit_code == 0, plain.output  # without the data, types are not known
    bound = CliRunner().invoke(main, ["check", "--project", str(project), "--data"])
    assert bound.exit_code == 2, bound.output
    out = " ".join(bound.output.split())
    assert f"trip.yaml:{odd}:3: rule 'trip.odd' does not bind to the source's columns:" in out
    assert "No function matches the given name and argument types '-(DATE, VARCHAR)'" in out
    assert f"trip.yaml:{none_of}:3: rule 'trip.none_of' does not bind" in out
    assert 'Parser Error: syntax error at or near ")"' in out


def test_check_with_data_passes_a_project_that_binds(tmp_path: Path) -> None:
    project = _project(tmp_path)
    entity = {
        **TRIP,
        "rules": [{"name": "ok", "type": "expression", "check": "started > '2000-01-01'"}],
    }
    (project / "entities" / "trip.yaml").write_text(yaml.safe_dump(entity, sort_keys=False))
    bound = CliRunner().invoke(main, ["check", "--project", str(project), "--data"])
    assert bound.exit_code == 0, bound.output
    assert bound.output.startswith("OK: 1 entities, ")
