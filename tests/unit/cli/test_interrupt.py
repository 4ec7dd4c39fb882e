"""Ctrl-C during a run: the run is marked cancelled and the user reads one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

VMSDQ = str(Path(sys.executable).parent / "vmsdq")
PROJECT = "name: i\nsources: {vms: {type: files, path: data}}\ndefault_source: vms\n"


def project(root: Path) -> Path:
    (root / "entities").mkdir()
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(PROJECT)
    (root / "entities" / "a.yaml").write_text("entity: a\nkey: id\nfields: {id: {}}\n")
    (root / "data" / "a.csv").write_text("id\n1\n")
    return root


@pytest.mark.parametrize("point", ["read", "validated", "scoring"])
def test_ctrl_c_cancels_the_run_with_one_line(tmp_path: Path, point: str) -> None:
    root = project(tmp_path)
    env = {**os.environ, "VMSDQ_KILL_AT": f"{point}:INT"}
    args = [VMSDQ, "validate", "--project", str(root), "--run-id", "20260101T000000-c0ffee"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 130
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip() == "Interrupted: the run was marked cancelled."
    env.pop("VMSDQ_KILL_AT")
    status = subprocess.run(
        [VMSDQ, "runs", "status", "20260101T000000-c0ffee", "--project", str(root)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "cancelled" in status.stdout and "interrupted (Ctrl-C)" in status.stdout
