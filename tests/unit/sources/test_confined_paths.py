"""Data paths stay in the source's folders unless vmsdq.yaml allows another folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vmsdq.cli import main


def project(root: Path, path: str, allow: str = "") -> None:
    (root / "entities").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    extra = f", allow: [{allow}]" if allow else ""
    (root / "vmsdq.yaml").write_text(
        f"name: t\nsources: {{vms: {{type: files, path: data{extra}}}}}\ndefault_source: vms\n"
    )
    (root / "entities" / "e.yaml").write_text(
        f"entity: e\nkey: id\nsources: {{vms: {{path: '{path}'}}}}\nfields: {{id: {{}}}}\n"
    )


@pytest.mark.parametrize("path", ["/etc/passwd", "../../x.csv", "../secret.csv", "*/../../x"])
def test_a_path_outside_the_data_folder_is_refused_at_check(tmp_path: Path, path: str) -> None:
    project(tmp_path, path)
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "entities/e.yaml:3:" in out
    assert f"sources.vms.path '{path}' is outside the data folders of source 'vms'" in out
    assert "root:" not in out  # no file contents


def test_a_link_leading_out_is_refused_at_run_time(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.csv").write_text("id\nsecret-value\n")
    project(tmp_path, "*.csv")  # the pattern stays inside; the file it matches does not
    (tmp_path / "data" / "e.csv").symlink_to(outside / "secret.csv")
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    (entity,) = json.loads(result.stdout)["entities"]
    assert entity["status"] == "error" and "is outside the data folders" in entity["message"]
    assert "secret-value" not in result.output and result.exit_code == 3


def test_an_allowed_folder_may_be_read(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "e.csv").write_text("id\n1\n")
    project(tmp_path, "../shared/e.csv", allow="shared")
    assert CliRunner().invoke(main, ["check", "--project", str(tmp_path)]).exit_code == 0
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    assert json.loads(result.stdout)["entities"][0]["rows"] == 1
