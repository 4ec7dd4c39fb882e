"""The demo above the ground-truth size (no truth file) still builds the Salesforce copy, so
its reconciliation rules are evaluated; broken parts say so without internal SQL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.demo.generate import generate_demo

INTERNAL = ("Catalog Error", "SELECT ", "__mirror", "entity ''", "Binder Error")


def messages(project: Path) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["validate", "--project", str(project), "--format", "json"])
    payload = json.loads(result.stdout)
    return result.exit_code, payload["entities"]


def test_the_copy_is_built_without_ground_truth(tmp_path: Path) -> None:
    generate_demo(tmp_path, volunteers=150, seed=3, write_truth=False)  # as above 20,000
    assert not (tmp_path / "truth" / "truth.parquet").exists()
    assert (tmp_path / "salesforce" / "Contact_volunteer.parquet").is_file()
    _, entities = messages(tmp_path)
    rules = [r for e in entities for r in e["rules"]]
    reconcile = [r for r in rules if ".reconcile." in r["rule"]]
    assert reconcile and all(r["outcome"] != "error" for r in reconcile), [
        (r["rule"], r["message"]) for r in reconcile if r["outcome"] == "error"
    ]

    (tmp_path / "salesforce" / "Contact_volunteer.parquet").unlink()
    code, entities = messages(tmp_path)
    assert code == 3
    shown = [e["message"] for e in entities] + [r["message"] for e in entities for r in e["rules"]]
    assert any("no file matches 'Contact_volunteer.parquet'" in m for m in shown)
    for message in shown:
        assert not any(word in message for word in INTERNAL), message
