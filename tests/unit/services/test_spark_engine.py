"""``engine: spark`` in vmsdq.yaml: its settings are checked, and a Spark that cannot start
is the entity's error, said plainly (no JVM is started here)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest

from vmsdq.core.errors import ConfigError
from vmsdq.core.words import Outcome
from vmsdq.engine.spark_session import spark_session
from vmsdq.services.context import load, scratch_context
from vmsdq.services.runs import run_now
from vmsdq.spec.models import ProjectSpec

BASE = {"sources": {"vms": {"type": "files", "path": "data"}}, "default_source": "vms"}


def test_engine_spark_is_a_name_or_the_settings_of_a_master() -> None:
    assert ProjectSpec.model_validate({**BASE, "engine": "spark"}).engine.backend == "spark"
    cluster = {"backend": "spark", "master": "spark://m:7077", "conf": {"spark.x": "1"}}
    spec = ProjectSpec.model_validate({**BASE, "engine": cluster}).engine
    assert (spec.master, spec.conf) == ("spark://m:7077", {"spark.x": "1"})
    assert ProjectSpec.model_validate(BASE).engine.backend == "duckdb"


def test_spark_settings_without_spark_are_refused() -> None:
    with pytest.raises(ValueError, match="'master' and 'conf' are Spark settings"):
        ProjectSpec.model_validate({**BASE, "engine": {"master": "local[2]"}})
    with pytest.raises(ValueError, match="backend"):
        ProjectSpec.model_validate({**BASE, "engine": "flink"})


def test_settings_the_results_depend_on_cannot_be_changed() -> None:
    with pytest.raises(ConfigError, match=r"spark.sql.session.timeZone cannot be changed"):
        spark_session("local[1]", {"spark.sql.session.timeZone": "Europe/Paris"})


def test_no_java_is_the_entitys_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "person.csv").write_text("id,email\n1,a@x.org\n2,\n")
    (tmp_path / "entities").mkdir()
    (tmp_path / "entities" / "person.yaml").write_text(
        "entity: person\nkey: id\nsources:\n  vms: {path: person.csv, format: csv}\n"
        "fields:\n  id: {type: integer, required: true}\n  email: {required: true}\n"
    )
    (tmp_path / "vmsdq.yaml").write_text(
        "sources:\n  vms: {type: files, path: data}\ndefault_source: vms\n"
        "engine: {backend: spark, master: 'local[1]'}\n"
    )
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # python, no java
    run = run_now(scratch_context(load(tmp_path)), now=datetime(2026, 1, 1))
    [person] = run.entities
    assert person.status == "error"
    assert "engine 'spark' needs Java 17 on this machine" in person.message
    assert {r.outcome for r in person.rules} == {Outcome.error}
