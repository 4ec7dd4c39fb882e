"""Exact casts on a SQL source (the real PostgreSQL), pushed down and read into DuckDB alike:
NaN and the infinities are numbers only where the field allows them (``allow_nonfinite``),
and a timestamp with an offset, stored or written as text, is the instant it names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from vmsdq.cli import main
from vmsdq.store import Database

pytestmark = pytest.mark.integration

ROWS = """\
(1, 'NaN', 'NaN', 'NaN', '2024-03-01T10:00:00+02:00', '2024-03-01T10:00:00+02:00'),
(2, 'Infinity', 'Infinity', 'inf', '2024-03-01T10:00:00Z', '2024-03-01T10:00:00'),
(3, '-Infinity', '-Infinity', '-Infinity', '2024-03-01T09:30:00-05:00', '2024-03-01T08:30:00Z'),
(4, 50, 50, '1e309', '2024-03-01T08:30:00Z', '2024-03-01 10:00:00+25:00')
"""
ENTITY = """\
entity: m
key: id
sources: {vms: {table: %s}}
fields:
  id: {type: integer}
  x: {type: number, allow_nonfinite: true, min: -100, max: 100}
  y: {type: number, max: 100}
  xt: {type: number, allow_nonfinite: true, max: 100}
  t: {type: timestamp, min: "2024-03-01T08:00:00", max: "2024-03-01T09:00:00"}
  tt: {type: timestamp, min: "2024-03-01T08:00:00", max: "2024-03-01T09:00:00"}
"""


@pytest.fixture
def table(postgres_url: str) -> Iterator[str]:
    name = f"exact_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {name} (id integer, x double precision, y double precision, "
                "xt text, t timestamptz, tt text)"
            )
        )
        conn.execute(sa.text(f"INSERT INTO {name} VALUES {ROWS}"))
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {name}"))
    engine.dispose()


@pytest.mark.parametrize("pushdown", [True, False])
def test_a_sql_source_converts_exactly(
    tmp_path: Path, postgres_url: str, table: str, pushdown: bool
) -> None:
    (tmp_path / "entities").mkdir()
    (tmp_path / "vmsdq.yaml").write_text(
        f"name: x\nsources: {{vms: {{type: sql, url: '{postgres_url}', "
        f"pushdown: {str(pushdown).lower()}}}}}\ndefault_source: vms\n"
    )
    (tmp_path / "entities" / "m.yaml").write_text(ENTITY % table)
    try:
        args = ["validate", "--project", str(tmp_path), "--format", "json"]
        shown = json.loads(CliRunner().invoke(main, args).stdout)
        where = shown["entities"][0]["message"]
        assert ("checks ran in the database" in where) is pushdown

        def keys(rule: str) -> list[str]:
            out = CliRunner().invoke(
                main, ["failures", "--project", str(tmp_path), "--run", "latest", "--rule", rule]
            )
            return [line.split(",")[0].strip('"') for line in out.output.splitlines()[1:]]

        assert keys("m.x.type") == []  # NaN, Infinity, -Infinity are numbers of x
        assert keys("m.x.range") == ["1", "2", "3"]  # NaN sorts above 100, -inf below -100
        assert keys("m.y.type") == ["1", "2", "3"]  # y does not allow them
        assert keys("m.xt.type") == ["4"]  # the text '1e309' overflows
        assert keys("m.xt.range") == ["1", "2"]
        # 10:00+02:00 is 08:00 UTC: inside; 10:00Z and 09:30-05:00 (14:30 UTC) are not
        assert keys("m.t.range") == ["2", "3"]
        assert keys("m.tt.type") == ["4"]  # an offset of +25:00
        assert keys("m.tt.range") == ["2"]  # 10:00 without an offset is UTC
    finally:
        Database.close_all()
