"""The ``engine:`` section of vmsdq.yaml reaches DuckDB's connection settings."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.core.errors import ConfigError
from vmsdq.engine import duckdb_backend
from vmsdq.engine.duckdb_backend import DuckDBBackend
from vmsdq.spec.loader import load_project


def project(root: Path, engine: str) -> Path:
    (root / "entities").mkdir()
    (root / "entities" / "t.yaml").write_text("entity: t\nkey: id\nfields: {id: {}}\n")
    (root / "vmsdq.yaml").write_text(
        f"sources:\n  d: {{type: files}}\ndefault_source: d\nengine: {engine}\n"
    )
    return root


def settings(backend: DuckDBBackend) -> dict[str, str]:
    con = backend.connect()
    try:
        found = con.execute(
            "SELECT name, value FROM duckdb_settings() "
            "WHERE name IN ('threads', 'memory_limit', 'temp_directory')"
        ).fetchall()
    finally:
        con.close()
    return dict(found)


def test_engine_limits_from_the_project_file(tmp_path: Path) -> None:
    root = project(tmp_path, "{threads: 1, memory_limit: 256MB, temp_directory: spill}")
    loaded = load_project(root)
    found = settings(DuckDBBackend.from_spec(loaded.spec.engine, root=Path(loaded.root)))
    assert found["threads"] == "1"
    assert found["memory_limit"].startswith("244")  # 256 MB in MiB
    assert found["temp_directory"] == str(Path(loaded.root) / "spill")


def test_a_bad_memory_limit_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"vmsdq.yaml:4:\d+: engine.memory_limit: .*'lots'"):
        load_project(project(tmp_path, "{memory_limit: lots}"))


def test_without_limits_duckdb_stays_under_the_default_and_spills_to_a_folder_of_its_own(
    tmp_path: Path,
) -> None:
    loaded = load_project(project(tmp_path, "{}"))
    backend = DuckDBBackend.from_spec(loaded.spec.engine, root=Path(loaded.root))
    found = settings(backend)
    assert found["memory_limit"].startswith("572")  # DEFAULT_MEMORY_LIMIT, 600 MB in MiB
    spill = tmp_path / "spill"
    con = backend.connect(str(spill))
    try:
        value = con.execute("SELECT current_setting('temp_directory')").fetchone()
    finally:
        con.close()
    assert value == (str(spill),)


def _wide(root: Path, engine: str) -> Path:
    """One 100-row entity with 1,500 expression rules: about 150 MB of DuckDB on 2 threads."""
    (root / "entities").mkdir()
    (root / "data").mkdir()
    (root / "vmsdq.yaml").write_text(
        "sources:\n  d: {type: files, path: data}\ndefault_source: d\n"
        f"entities: ['entities/*.yaml']\nengine: {engine}\n"
    )
    rows = "\n".join(f"{i},{i % 60}" for i in range(100))
    (root / "data" / "item.csv").write_text(f"id,amount\n{rows}\n")
    rules = "\n".join(
        f"  - {{name: r{i}, type: expression, check: 'amount >= {i}'}}" for i in range(1500)
    )
    (root / "entities" / "item.yaml").write_text(
        "entity: item\nkey: id\nsources:\n  d: {path: item.csv}\n"
        f"fields:\n  id: {{type: integer}}\n  amount: {{type: integer}}\nrules:\n{rules}\n"
    )
    return root


def _validate(root: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["validate", "--project", str(root), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_running_out_of_a_chosen_memory_limit_names_the_setting_to_raise(tmp_path: Path) -> None:
    """Under the project's own engine.memory_limit the entity errors (the run is incomplete,
    exit 3) with vmsdq's setting to change, not DuckDB's SET advice."""
    code, report = _validate(_wide(tmp_path, "{memory_limit: 20MB, threads: 2}"))
    [entity] = report["entities"]
    assert code == 3 and report["verdict"] == "incomplete" and entity["status"] == "error"
    assert "ran out of memory under its limit" in entity["message"]
    assert "engine.memory_limit in vmsdq.yaml" in entity["message"]
    assert "SET memory_limit" not in entity["message"]


def test_an_entity_too_wide_for_the_default_limit_is_validated_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The default limit is the engine's choice, not the user's: an entity it is too small
    for is validated again under DuckDB's own limit, with a warning, and every rule counts."""
    monkeypatch.setattr(duckdb_backend, "DEFAULT_MEMORY_LIMIT", "20MB")
    with caplog.at_level("WARNING", logger="vmsdq.engine.duckdb_backend"):
        code, report = _validate(_wide(tmp_path, "{threads: 2}"))
    [entity] = report["entities"]
    assert code == 0 and report["verdict"] == "warned"  # default severity: warning
    assert entity["status"] != "error" and len(entity["rules"]) >= 1500
    assert not [r for r in entity["rules"] if r["outcome"] == "error"]
    assert "needs more memory than the default engine limit (20MB)" in caplog.text
