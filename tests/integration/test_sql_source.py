"""The SQL source against the real PostgreSQL and MariaDB (and a SQLite file)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from vmsdq.core.errors import (
    ConfigError,
    MissingColumnError,
    SourceError,
    SourceUnavailableError,
    TransientError,
)
from vmsdq.core.workspace import Workspace
from vmsdq.sources.sql import SqlSource
from vmsdq.spec.models import EntitySpec, MirrorSpec, SqlSourceSpec

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgres", "mariadb", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vms.db'}"
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def table(db_url: str) -> Iterator[str]:
    name = f"h7_vol_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {name} (id INTEGER, First_Name VARCHAR(40), "
                "email VARCHAR(80), hours DECIMAL(8,2), joined DATE)"
            )
        )
        rows = [
            {"i": i, "f": f"name{i}" if i % 7 else None, "e": f"v{i}@x.org", "h": i / 4}
            for i in range(1, 2501)
        ]
        conn.execute(sa.text(f"INSERT INTO {name} VALUES (:i, :f, :e, :h, '2024-03-01')"), rows)
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {name}"))
    engine.dispose()


def volunteer(table: str, **fields: dict[str, object]) -> EntitySpec:
    declared: dict[str, object] = {
        "id": {"type": "integer"},
        "first_name": {"source_name": "First_Name"},
        "email": {},
        "hours": {"type": "number"},
        "joined": {"type": "date"},
    }
    declared.update(fields)
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {"vms": {"table": table}},
            "fields": declared,
        }
    )


def source(url: str | None, tmp_path: Path, **kw: object) -> SqlSource:
    spec = SqlSourceSpec.model_validate({"type": "sql", "url": url, "batch_rows": 1000, **kw})
    return SqlSource("vms", spec, root=tmp_path, workspace=Workspace.at(tmp_path / "artifacts"))


def test_reads_table_into_parquet_with_field_names(db_url: str, table: str, tmp_path: Path) -> None:
    snap = source(db_url, tmp_path).read(volunteer(table))
    data = pq.read_table(snap.parquet[0])
    assert data.column_names == ["id", "first_name", "email", "hours", "joined"]
    assert data.num_rows == 2500 == snap.meta["rows"]
    assert sorted(data.column("id").to_pylist())[:3] == [1, 2, 3]
    assert data.column("first_name").null_count == 2500 // 7
    assert snap.parquet[0].startswith(str(tmp_path / "artifacts" / "scratch"))
    assert table in snap.location and table in snap.meta["query"]


def test_watermark_is_the_newest_updated_at(db_url: str, table: str, tmp_path: Path) -> None:
    entity = volunteer(table)
    entity = entity.model_copy(
        update={"sources": {"vms": entity.sources["vms"].model_copy(update={"updated_at": "id"})}}
    )
    assert source(db_url, tmp_path).read(entity).meta["watermark"] == "2500"


def test_with_a_key_the_scratch_copy_is_encrypted_and_keeps_the_watermark(
    db_url: str, table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.core import sealed_files, sealing

    monkeypatch.setenv(sealing.ENV_KEYS, f"k1:{sealing.generate_key()}")
    entity = volunteer(table)
    entity = entity.model_copy(
        update={"sources": {"vms": entity.sources["vms"].model_copy(update={"updated_at": "id"})}}
    )
    snap = source(db_url, tmp_path).read(entity)
    path = Path(snap.parquet[0])
    assert sealed_files.is_encrypted(path) and b"@x.org" not in path.read_bytes()
    with pytest.raises(OSError, match="encrypted"):
        pq.read_table(path)
    assert snap.meta["watermark"] == "2500"
    assert "v1@x.org" in sealed_files.read_table(path).column("email").to_pylist()


def test_query_instead_of_table(db_url: str, table: str, tmp_path: Path) -> None:
    entity = EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {
                "vms": {
                    "query": f"SELECT id, email FROM {table} WHERE id <= 10 AND email <> 'a :b'"
                }
            },
            "fields": {"id": {"type": "integer"}, "email": {}},
        }
    )
    snap = source(db_url, tmp_path).read(entity)
    assert pq.read_table(snap.parquet[0]).num_rows == 10


def test_missing_column_names_entity_column_and_table(
    db_url: str, table: str, tmp_path: Path
) -> None:
    with pytest.raises(MissingColumnError) as err:
        source(db_url, tmp_path).read(volunteer(table, phone={}))
    message = str(err.value)
    assert "'volunteer'" in message and "'phone'" in message and table in message


def test_missing_table_is_a_source_error(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="entity 'volunteer'.*h7_no_such_table") as err:
        source(db_url, tmp_path).read(volunteer("h7_no_such_table"))
    assert not isinstance(err.value, TransientError)  # retrying cannot create the table


@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_an_unreachable_server_is_transient(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    down = sa.make_url(str(request.getfixturevalue(f"{kind}_url"))).set(port=1)
    with pytest.raises(SourceUnavailableError) as err:
        source(down.render_as_string(hide_password=False), tmp_path).read(volunteer("t"))
    assert isinstance(err.value, TransientError)


def test_url_from_environment_and_password_hidden(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_url = sa.make_url(postgres_url).set(password="s3cr3t-pw", port=1)
    monkeypatch.setenv("H7_TEST_DB_URL", secret_url.render_as_string(hide_password=False))
    src = source(None, tmp_path, url_env="H7_TEST_DB_URL")
    with pytest.raises(SourceError) as err:
        src.read(volunteer("whatever"))
    assert "s3cr3t-pw" not in str(err.value) and "s3cr3t-pw" not in repr(src)
    assert "***" in str(err.value)


def test_unset_url_env_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="H7_UNSET_VARIABLE"):
        source(None, tmp_path, url_env="H7_UNSET_VARIABLE")


def test_generic_sqlalchemy_path_streams_in_batches(tmp_path: Path) -> None:
    """Databases without a native Arrow driver go through SQLAlchemy, batch by batch."""
    from vmsdq.sources.sql_read import _sqlalchemy_stream, write_parquet
    from vmsdq.sources.sql_url import resolve_url

    url = f"sqlite:///{tmp_path / 'g.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER, note TEXT)"))
        rows = [{"i": i, "n": None if i <= 3 else f"n{i}"} for i in range(1, 11)]
        conn.execute(sa.text("INSERT INTO t VALUES (:i, :n)"), rows)
    engine.dispose()
    db = resolve_url("g", SqlSourceSpec(type="sql", url=url), root=tmp_path)
    with _sqlalchemy_stream(db, "SELECT id, note FROM t ORDER BY id", 3) as reader:
        assert write_parquet(reader, tmp_path / "g.parquet") == 10
    table = pq.read_table(tmp_path / "g.parquet")
    assert table.column("note").to_pylist() == [None] * 3 + [f"n{i}" for i in range(4, 11)]


def test_read_mirror_uses_the_other_systems_field_names(
    db_url: str, table: str, tmp_path: Path
) -> None:
    entity = volunteer(table).model_copy(
        update={
            "mirror": MirrorSpec(
                object="Contact",
                match_on="email",
                key="id",
                fields={"first_name": "First_Name", "hours": "hours"},
            )
        }
    )
    snap = source(db_url, tmp_path).read_mirror(entity)
    data = pq.read_table(snap.parquet[0])
    assert data.column_names == ["id", "First_Name", "hours"] and data.num_rows == 2500
    assert snap.parquet[0].endswith("volunteer__mirror.parquet")


def test_column_types_come_from_the_catalog(db_url: str, table: str, tmp_path: Path) -> None:
    from vmsdq.core.words import FieldType

    spec = EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "sources": {"vms": {"table": table}},
            "fields": {"id": {}, "name": {"source_name": "First_Name"}, "email": {},
                       "hours": {}, "joined": {}},
        }
    )  # fmt: skip
    assert source(db_url, tmp_path).column_types(spec) == {
        "id": FieldType.integer,
        "name": FieldType.string,
        "email": FieldType.string,
        "hours": FieldType.number,
        "joined": FieldType.date,
    }
