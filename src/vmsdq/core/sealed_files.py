"""Files at rest that hold source rows: the one door for writing and reading them.

The run archive (``runs/<run>/snapshots``), the sources' scratch, state and cache files and
the engine's incremental state are written and read here only. With a key ring in force
(``core/sealing.py``) Parquet is written with Parquet modular encryption (pyarrow): the
footer and every column are AES-GCM encrypted with a data key that the ring's newest key
wraps in-process (no key server) and the file keeps, wrapped, with that key's id. Without a
key they are plain Parquet, as before. Readers tell the two apart by the file's last bytes
(``PARE`` encrypted, ``PAR1`` plain), so a folder may hold both (written before and after a
key was set); a file encrypted with an older key opens while that key is in the ring, and
``vmsdq keys rotate`` rewrites it with the newest (``reseal``).

Text files (a snapshot's metadata with its rejected lines) are sealed whole as one
``vmsdq:enc:1:`` value.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vmsdq.core import sealing
from vmsdq.core.sealing import EncryptionKeyError, Keyring

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

ENCRYPTED_MAGIC = b"PARE"
PLAIN_MAGIC = b"PAR1"
DATA_KEY = b"vmsdq-parquet-data-key"  # associated data of a wrapped data key
FILE_TEXT = "file-text"
BATCH_ROWS = 64_000


def active() -> bool:
    """Whether files are written encrypted (a key ring is configured)."""
    return sealing.keyring() is not None


def is_encrypted(path: str | Path) -> bool:
    """Whether ``path`` is a Parquet file with an encrypted footer."""
    try:
        with open(path, "rb") as handle:
            handle.seek(-4, os.SEEK_END)
            return handle.read(4) == ENCRYPTED_MAGIC
    except OSError:
        return False


def write_table(data: pa.Table | pa.RecordBatchReader, path: str | Path, **options: Any) -> int:
    """Write Arrow data to ``path`` (encrypted when a key is set); returns the row count."""
    import pyarrow as pa

    if isinstance(data, pa.Table):
        data = pa.RecordBatchReader.from_batches(data.schema, data.to_batches(BATCH_ROWS))
    rows = 0
    with writer(path, data.schema, **options) as out:
        for batch in data:
            if batch.num_rows:
                out.write_batch(batch)
                rows += batch.num_rows
    return rows


def writer(path: str | Path, schema: pa.Schema, **options: Any) -> pq.ParquetWriter:
    """A Parquet writer for ``path`` (pyarrow's options, its defaults as before), encrypted
    with the newest key when one is set."""
    import pyarrow.parquet as pq

    ring = sealing.keyring()
    if ring is not None:
        options["encryption_properties"] = _encryption(ring)
    return pq.ParquetWriter(str(path), schema, **options)


def write_relation(
    rel: duckdb.DuckDBPyRelation, path: str | Path, *, compression: Literal["zstd"] | None = None
) -> int:
    """Write a DuckDB query's rows to ``path``; returns the row count. Without a key DuckDB
    writes the file itself (the fast path, as before); with one the rows stream through
    ``writer``."""
    if not active():
        rel.write_parquet(str(path), compression=compression)  # None: DuckDB's default
        return num_rows(path)
    options = {} if compression is None else {"compression": compression}
    return write_table(rel.to_arrow_reader(BATCH_ROWS), path, **options)


def copy_file(source: str | Path, target: str | Path) -> None:
    """Copy a Parquet file, written as ``writer`` writes (encrypted when a key is set)."""
    _copy(open_file(source), Path(target))


def open_file(path: str | Path) -> pq.ParquetFile:
    """The Parquet file at ``path``, opened with the key ring when it is encrypted."""
    import pyarrow.parquet as pq

    if not is_encrypted(path):
        return pq.ParquetFile(str(path))
    try:
        return pq.ParquetFile(str(path), decryption_properties=_decryption(path))
    except EncryptionKeyError as exc:
        raise _named(path, exc) from None
    except (OSError, ValueError) as exc:
        raise _key_error(path, exc) from None


def read_table(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    return open_file(path).read(columns=columns)


def num_rows(path: str | Path) -> int:
    if not is_encrypted(path):
        return _plain_rows(path)
    return int(open_file(path).metadata.num_rows)


def _plain_rows(path: str | Path) -> int:
    """The row count of an unencrypted Parquet file, from its footer, read by DuckDB (a run
    over CSV or JSON then never imports pyarrow: issue #9), with a cursor of the database
    the files source reads with (opening one costs more than reading the footer)."""
    from vmsdq.core import duckdb_cursors

    with duckdb_cursors.cursor("files", {"preserve_insertion_order": False}) as con:
        found = con.execute("SELECT num_rows FROM parquet_file_metadata(?)", [str(path)]).fetchone()
    return int(found[0]) if found else 0


def schema(path: str | Path) -> pa.Schema:
    return open_file(path).schema_arrow


def dataset(paths: Sequence[str | Path]) -> ds.Dataset:
    """One Arrow dataset over the files, columns matched by name (DuckDB scans it)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    files = [str(p) for p in paths]
    unified = pa.unify_schemas([schema(p) for p in files])
    sealed = [p for p in files if is_encrypted(p)]
    plain = [p for p in files if p not in sealed]
    parts = []
    if sealed:
        options = ds.ParquetFragmentScanOptions(decryption_config=_dataset_decryption())
        fmt = ds.ParquetFileFormat(default_fragment_scan_options=options)
        parts.append(ds.dataset(sealed, format=fmt, schema=unified))
    if plain:
        parts.append(ds.dataset(plain, format="parquet", schema=unified))
    return parts[0] if len(parts) == 1 else ds.dataset(parts, schema=unified)


def register(con: duckdb.DuckDBPyConnection, view: str, paths: Sequence[str | Path]) -> None:
    """A DuckDB view named ``view`` over the Parquet files (DuckDB's own reader for plain
    files, an Arrow dataset for encrypted ones; a wrong or missing key fails here, naming
    the file)."""
    files = [str(p) for p in paths]
    if not any(is_encrypted(p) for p in files):
        con.read_parquet(files, union_by_name=True).create_view(view)
        return
    found = dataset(files)
    con.register(f"{view}__arrow", found)
    con.table(f"{view}__arrow").create_view(view)


def reseal(path: str | Path) -> bool:
    """Rewrite ``path`` encrypted with the newest key unless it is already; returns whether
    it was rewritten (plain files get encrypted too)."""
    ring = sealing.keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"no key is configured: set ${sealing.ENV_KEYS} or ${sealing.ENV_KEY_FILE}"
        )
    path = Path(path)
    if is_encrypted(path) and key_ids(path) == {ring.current}:
        return False
    source = open_file(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.sealing")
    try:
        _copy(source, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def key_ids(path: str | Path) -> set[str]:
    """The ids of the ring keys an encrypted file's data keys are wrapped with."""
    import pyarrow.parquet as pq
    import pyarrow.parquet.encryption as pe

    used: set[str] = set()
    factory = pe.CryptoFactory(lambda _config: _RingKms(used))
    props = factory.file_decryption_properties(pe.KmsConnectionConfig(), _DECRYPT())
    try:
        pq.read_metadata(str(path), decryption_properties=props)
    except EncryptionKeyError as exc:
        raise _named(path, exc) from None
    except (OSError, ValueError) as exc:
        raise _key_error(path, exc) from None
    return used


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, sealed whole when a key is set."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(sealing.seal(text, FILE_TEXT), encoding="utf-8")
    os.replace(tmp, path)


def read_text(path: str | Path) -> str:
    """The text of a file written by ``write_text`` (opened when sealed)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return sealing.unseal(text, FILE_TEXT)
    except EncryptionKeyError as exc:
        raise EncryptionKeyError(f"{path}: {exc}") from None


def reseal_text(path: str | Path) -> bool:
    """Re-seal a text file with the newest key; returns whether it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    sealed = sealing.reseal(text, FILE_TEXT)
    if sealed == text:
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(sealed, encoding="utf-8")
    os.replace(tmp, path)
    return True


def files_below(folders: Iterable[Path]) -> list[Path]:
    """Every Parquet file below the folders (for rotation)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*.parquet") if p.is_file())
    return found


def _copy(source: pq.ParquetFile, target: Path) -> None:
    with writer(target, source.schema_arrow) as out:
        for batch in source.iter_batches(BATCH_ROWS):
            out.write_batch(batch)


class _RingKms:
    """Wraps and unwraps Parquet data keys with the key ring (AES-GCM, in-process)."""

    def __new__(cls, used: set[str] | None = None) -> Any:
        import pyarrow.parquet.encryption as pe

        class RingKms(pe.KmsClient):  # type: ignore[misc]
            def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM

                key = _ring_key(master_key_identifier)
                nonce = secrets.token_bytes(12)
                sealed = AESGCM(key).encrypt(nonce, key_bytes, DATA_KEY)
                return base64.b64encode(nonce + sealed).decode()

            def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
                from cryptography.exceptions import InvalidTag
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM

                if used is not None:
                    used.add(master_key_identifier)
                key = _ring_key(master_key_identifier)
                raw = base64.b64decode(wrapped_key)
                try:
                    return AESGCM(key).decrypt(raw[:12], raw[12:], DATA_KEY)
                except InvalidTag:
                    raise EncryptionKeyError(
                        f"the file's data key does not open with key '{master_key_identifier}'"
                        ": a different key of that id, or the file was changed"
                    ) from None

        return RingKms()


def _ring_key(key_id: str) -> bytes:
    ring = sealing.keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"the file is encrypted (key '{key_id}') but no key is configured: set "
            f"${sealing.ENV_KEYS} or ${sealing.ENV_KEY_FILE}"
        )
    key = dict(ring.keys).get(key_id)
    if key is None:
        raise EncryptionKeyError(
            f"the file is encrypted with key '{key_id}', which is not among the keys given "
            f"({', '.join(ring.ids)}): add it to ${sealing.ENV_KEYS} or ${sealing.ENV_KEY_FILE}"
        )
    return key


def _DECRYPT() -> Any:  # noqa: N802
    import pyarrow.parquet.encryption as pe

    return pe.DecryptionConfiguration()


_lock = threading.Lock()
_factories: dict[int, Any] = {}


def _factory(ring: Keyring | None) -> Any:
    """One crypto factory per key ring in force (its key caches die with the ring)."""
    import pyarrow.parquet.encryption as pe

    with _lock:
        key = id(ring)
        if key not in _factories:
            _factories.clear()
            _factories[key] = (ring, pe.CryptoFactory(lambda _config: _RingKms()))
        return _factories[key][1]


def _encryption(ring: Keyring) -> Any:
    import pyarrow.parquet.encryption as pe

    config = pe.EncryptionConfiguration(
        footer_key=ring.current,
        uniform_encryption=True,
        plaintext_footer=False,
        double_wrapping=False,
    )
    return _factory(ring).file_encryption_properties(pe.KmsConnectionConfig(), config)


def _decryption(path: str | Path) -> Any:
    import pyarrow.parquet.encryption as pe

    ring = sealing.keyring()
    if ring is None:
        raise EncryptionKeyError(
            f"{path} is encrypted but no key is configured: set ${sealing.ENV_KEYS} or "
            f"${sealing.ENV_KEY_FILE}"
        )
    return _factory(ring).file_decryption_properties(pe.KmsConnectionConfig(), _DECRYPT())


def _dataset_decryption() -> Any:
    import pyarrow.dataset as ds
    import pyarrow.parquet.encryption as pe

    factory = _factory(sealing.keyring())
    return ds.ParquetDecryptionConfig(factory, pe.KmsConnectionConfig(), _DECRYPT())


def _named(path: str | Path, exc: EncryptionKeyError) -> EncryptionKeyError:
    text = str(exc)
    return exc if text.startswith(str(path)) else EncryptionKeyError(f"{path}: {text}")


def _key_error(path: str | Path, exc: Exception) -> EncryptionKeyError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return EncryptionKeyError(f"{path} cannot be decrypted: {text}")
