"""Per-(source, entity) read state: the ``SystemModstamp`` watermark and a local copy.

``<artifacts>/state/salesforce_<source>.json`` holds one entry per entity (watermark, the
query signature it belongs to, row count); ``<artifacts>/state/salesforce_<source>/`` holds
the merged records as Parquet so an incremental read fetches only what changed. Writes are
atomic (temporary file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


class StateStore:
    """Watermarks and local copies of one Salesforce source."""

    def __init__(self, artifacts: Path, source: str) -> None:
        self.folder = Path(artifacts) / "state"
        self.file = self.folder / f"salesforce_{source}.json"
        self.copies = self.folder / f"salesforce_{source}"

    def get(self, entity: str) -> dict[str, Any] | None:
        entry = self._load().get(entity)
        return entry if isinstance(entry, dict) else None

    def put(self, entity: str, entry: dict[str, Any]) -> None:
        data = self._load()
        data[entity] = entry
        _atomic_write(self.file, json.dumps(data, indent=2, sort_keys=True).encode())

    def forget(self, entity: str) -> None:
        data = self._load()
        if data.pop(entity, None) is not None:
            _atomic_write(self.file, json.dumps(data, indent=2, sort_keys=True).encode())
        self.copy_path(entity).unlink(missing_ok=True)

    def copy_path(self, entity: str) -> Path:
        return self.copies / f"{entity}.parquet"

    def read_copy(self, entity: str) -> pa.Table | None:
        import pyarrow.parquet as pq

        path = self.copy_path(entity)
        return pq.read_table(path) if path.exists() else None

    def write_copy(self, entity: str, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        path = self.copy_path(entity)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged state file means a full read, never a crash
        return data if isinstance(data, dict) else {}


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
