"""The ``engine:`` section of vmsdq.yaml reaches DuckDB's connection settings."""

from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError
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


def test_running_out_of_memory_names_the_setting_to_raise(tmp_path: Path) -> None:
    """A wide entity under a small engine.memory_limit: the entity errors (the run is
    incomplete, exit 3) with vmsdq's own setting to change, not DuckDB's SET advice."""
    import json

    from click.testing import CliRunner

    from vmsdq.cli import main

    (tmp_path / "entities").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(
        "sources:\n  d: {type: files, path: data}\ndefault_source: d\n"
        "entities: ['entities/*.yaml']\nengine: {memory_limit: 20MB, threads: 2}\n"
    )
    rows = "\n".join(f"{i},{i % 60}" for i in range(100))
    (tmp_path / "data" / "item.csv").write_text(f"id,amount\n{rows}\n")
    rules = "\n".join(
        f"  - {{name: r{i}, type: expression, check: 'amount >= {i}'}}" for i in range(1500)
    )
    (tmp_path / "entities" / "item.yaml").write_text(
        "entity: item\nkey: id\nsources:\n  d: {path: item.csv}\n"
        f"fields:\n  id: {{type: integer}}\n  amount: {{type: integer}}\nrules:\n{rules}\n"
    )
    result = CliRunner().invoke(main, ["validate", "--project", str(tmp_path), "--format", "json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    [entity] = report["entities"]
    assert report["verdict"] == "incomplete" and entity["status"] == "error"
    assert "ran out of memory under its limit" in entity["message"]
    assert "engine.memory_limit in vmsdq.yaml" in entity["message"]
    assert "SET memory_limit" not in entity["message"]
