"""Per-(source, entity) read state: the ``SystemModstamp`` watermark and a local copy.

``<artifacts>/state/salesforce/<source>/<entity>.json`` holds the watermark, the signature
of the query it belongs to and the row count; ``<entity>.parquet`` beside it holds the merged
records, so an incremental read fetches only what changed. One file pair per entity (no
write races between entities); writes are atomic (temporary file + rename), the copy first.
A read holds ``<entity>.lock`` (filelock), so two runs never interleave on one entity.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmsdq.core import sealed_files
from vmsdq.sources.salesforce.errors import SalesforceUnavailableError

if TYPE_CHECKING:
    import pyarrow as pa


class StateStore:
    """Watermarks and local copies of one Salesforce source."""

    def __init__(self, folder: Path, source: str, lock_timeout: float = 60.0) -> None:
        self.folder = Path(folder)
        self.source = source
        self.lock_timeout = lock_timeout

    @contextmanager
    def lock(self, entity: str) -> Iterator[None]:
        """Hold the entity's state for one read; another run waits up to ``lock_timeout`` s."""
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{entity}.lock"
        try:
            with FileLock(path, timeout=self.lock_timeout):
                yield
        except Timeout:
            raise SalesforceUnavailableError(
                f"source '{self.source}', entity '{entity}': another run has been reading it "
                f"for over {self.lock_timeout:.0f} s (lock {path}); try again when it finishes"
            ) from None

    def get(self, entity: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._json(entity).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent or damaged: a full read, never a crash
        return entry if isinstance(entry, dict) else None

    def put(self, entity: str, entry: dict[str, Any]) -> None:
        data = json.dumps(entry, indent=2, sort_keys=True).encode()
        _atomic_write(self._json(entity), data)

    def forget(self, entity: str) -> None:
        self._json(entity).unlink(missing_ok=True)
        self.copy_path(entity).unlink(missing_ok=True)

    def copy_path(self, entity: str) -> Path:
        return self.folder / f"{entity}.parquet"

    def read_copy(self, entity: str) -> pa.Table | None:
        path = self.copy_path(entity)
        return sealed_files.read_table(path) if path.exists() else None

    def write_copy(self, entity: str, table: pa.Table) -> None:
        path = self.copy_path(entity)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        sealed_files.write_table(table, tmp)
        os.replace(tmp, path)

    def _json(self, entity: str) -> Path:
        return self.folder / f"{entity}.json"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
