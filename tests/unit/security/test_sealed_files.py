"""The one door to files holding source rows: encrypted with a key, plain without, both
readable side by side; rotation rewrites with the newest key; errors name the file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vmsdq.core import sealed_files, sealing
from vmsdq.core.sealing import EncryptionKeyError

ROWS = pa.table({"id": [1, 2, 3], "email": ["ann@example.org", "bo@example.org", None]})
MORE = pa.table({"id": [4], "email": ["cy@example.org"], "phone": ["(314) 555-0100"]})


@pytest.fixture
def k1(monkeypatch: pytest.MonkeyPatch) -> str:
    for name in (sealing.ENV_KEYS, sealing.ENV_KEY_FILE):
        monkeypatch.delenv(name, raising=False)
    value = f"k1:{sealing.generate_key()}"
    monkeypatch.setenv(sealing.ENV_KEYS, value)
    return value


def test_without_a_key_files_are_plain_parquet_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(sealing.ENV_KEYS, raising=False)
    monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)
    path = tmp_path / "plain.parquet"
    assert sealed_files.write_table(ROWS, path) == 3
    assert not sealed_files.is_encrypted(path)
    assert pq.read_table(path).equals(ROWS)
    rel = duckdb.sql("SELECT 7 AS n")
    assert sealed_files.write_relation(rel, tmp_path / "q.parquet") == 1
    assert pq.read_table(tmp_path / "q.parquet").to_pylist() == [{"n": 7}]
    sealed_files.write_text(tmp_path / "meta.json", '{"raw": "ann@example.org"}')
    assert "ann@example.org" in (tmp_path / "meta.json").read_text()


def test_with_a_key_nothing_is_readable_without_it(k1: str, tmp_path: Path) -> None:
    path = tmp_path / "sealed.parquet"
    sealed_files.write_table(ROWS, path)
    assert sealed_files.is_encrypted(path) and b"example.org" not in path.read_bytes()
    with pytest.raises(OSError, match="encrypted"):
        pq.read_table(path)
    assert sealed_files.read_table(path).equals(ROWS)
    assert sealed_files.num_rows(path) == 3 and sealed_files.key_ids(path) == {"k1"}
    sealed_files.write_text(tmp_path / "meta.json", '{"raw": "ann@example.org"}')
    assert "example.org" not in (tmp_path / "meta.json").read_text()
    assert sealed_files.read_text(tmp_path / "meta.json") == '{"raw": "ann@example.org"}'
    rel = duckdb.sql("SELECT 'bo@example.org' AS email")
    assert sealed_files.write_relation(rel, tmp_path / "q.parquet") == 1
    assert sealed_files.is_encrypted(tmp_path / "q.parquet")


def test_duckdb_scans_encrypted_and_plain_files_together_by_column_name(
    k1: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pq.write_table(MORE, tmp_path / "old.parquet")  # written before the key was set
    sealed_files.write_table(ROWS, tmp_path / "new.parquet")
    con = duckdb.connect()
    sealed_files.register(con, "v", [tmp_path / "new.parquet", tmp_path / "old.parquet"])
    rows = con.sql("SELECT id, email, phone FROM v WHERE id > 1 ORDER BY id").fetchall()
    assert rows == [(2, "bo@example.org", None), (3, None, None), (4, "cy@example.org",
                                                                   "(314) 555-0100")]  # fmt: skip
    assert con.sql("SELECT count(*) FROM v a JOIN v b USING (id)").fetchone() == (4,)


def test_rotation_rewrites_with_the_newest_key_and_old_keys_open_until_then(
    k1: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, plain = tmp_path / "a.parquet", tmp_path / "plain.parquet"
    sealed_files.write_table(ROWS, path)
    pq.write_table(ROWS, plain)
    monkeypatch.setenv(sealing.ENV_KEYS, f"k2:{sealing.generate_key()},{k1}")
    assert sealed_files.read_table(path).equals(ROWS)  # k1 still in the ring
    assert sealed_files.reseal(path) and sealed_files.key_ids(path) == {"k2"}
    assert not sealed_files.reseal(path)  # already with the newest key
    assert sealed_files.reseal(plain) and sealed_files.is_encrypted(plain)
    monkeypatch.setenv(sealing.ENV_KEYS, f"k2:{sealing.generate_key()}")  # a wrong key k2
    with pytest.raises(EncryptionKeyError, match=rf"^{path}: .*does not open with key 'k2'"):
        sealed_files.read_table(path)


def test_a_missing_key_or_an_unknown_key_id_names_the_file(
    k1: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.parquet"
    sealed_files.write_table(ROWS, path)
    monkeypatch.setenv(sealing.ENV_KEYS, f"k9:{sealing.generate_key()}")
    with pytest.raises(EncryptionKeyError, match=r"encrypted with key 'k1', which is not among"):
        sealed_files.read_table(path)
    con = duckdb.connect()
    with pytest.raises(EncryptionKeyError, match=str(path)):
        sealed_files.register(con, "v", [path])
    monkeypatch.delenv(sealing.ENV_KEYS)
    with pytest.raises(EncryptionKeyError, match=rf"{path} is encrypted but no key is configured"):
        sealed_files.read_table(path)
    with pytest.raises(EncryptionKeyError, match="no key is configured"):
        sealed_files.reseal(path)
