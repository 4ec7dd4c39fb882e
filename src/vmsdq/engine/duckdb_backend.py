"""The embedded backend: DuckDB over Arrow / Parquet snapshots, one scan per entity."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

import duckdb

from vmsdq.checks.model import CompiledEntity
from vmsdq.core import duckdb_cursors
from vmsdq.core.results import EntityResult
from vmsdq.core.snapshots import Snapshot
from vmsdq.core.words import ViewRef, ViewRole
from vmsdq.engine.backend import Capabilities, Progress
from vmsdq.engine.entity import validate_entity
from vmsdq.engine.views import register_snapshots
from vmsdq.spec.models import EngineSpec

# Everything a rule can need: TRY_CAST, RE2, Python validators, the previous snapshot.
DUCKDB = Capabilities(
    dialect="duckdb",
    supports_strict_values=True,
    supports_previous_snapshot=True,
    supports_try_cast=True,
)
# Without ``engine.memory_limit``: DuckDB's own default is 80 % of RAM, and the flags table
# of 2.5M participations alone holds 640 MB, so the full VMS pack at 1M volunteers peaked at
# 1.18 GB RSS. Above this limit DuckDB moves temp-table blocks to the spill folder (a fresh
# one under the system's temp folder unless ``engine.temp_directory`` names one).
DEFAULT_MEMORY_LIMIT = "600MB"
UTC = "SET TimeZone = 'UTC'"  # a session setting: every connection and cursor sets it
log = logging.getLogger(__name__)


class DuckDBBackend:
    """Validate compiled entities against snapshots in an in-process DuckDB database."""

    capabilities: Capabilities = DUCKDB

    def __init__(
        self,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.temp_directory = temp_directory

    @classmethod
    def from_spec(cls, spec: EngineSpec, *, root: Path) -> DuckDBBackend:
        """The backend with a project's ``engine:`` limits (spill folder under ``root``)."""
        temp = str(Path(root) / spec.temp_directory) if spec.temp_directory else None
        return cls(threads=spec.threads, memory_limit=spec.memory_limit, temp_directory=temp)

    def connect(
        self, spill: str | None = None, *, default_limit: bool = True
    ) -> duckdb.DuckDBPyConnection:
        """A fresh in-memory connection with the configured limits and UTC time zone;
        ``spill`` is the folder DuckDB spills to when no ``temp_directory`` is configured.
        Without ``default_limit``, no configured ``memory_limit`` means DuckDB's own (80 % of
        the memory) instead of ``DEFAULT_MEMORY_LIMIT``."""
        config = self._config(spill)
        if not default_limit and not self.memory_limit:
            del config["memory_limit"]
        con = duckdb.connect(":memory:", config=config)
        con.execute(UTC)
        return con

    def _config(self, spill: str | None) -> dict[str, str | bool | int | float | list[str]]:
        config: dict[str, str | bool | int | float | list[str]] = {}
        if self.threads:
            config["threads"] = self.threads
        config["memory_limit"] = self.memory_limit or DEFAULT_MEMORY_LIMIT
        temp = self.temp_directory or spill
        if temp:
            config["temp_directory"] = temp
        config["preserve_insertion_order"] = False  # row order carries no meaning here
        return config

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A cursor of this process's database with these limits (opened at its first use,
        ~16 ms of CPU a database that a cursor does not pay). What a validation creates is
        temporary or registered, so the cursor's own: validations on other cursors (threads)
        never see it, and it is gone when the cursor closes. The limits are the database's:
        validations running at once share its ``memory_limit``."""
        limit = self.memory_limit or DEFAULT_MEMORY_LIMIT
        purpose = f"engine threads={self.threads} memory={limit} temp={self.temp_directory}"
        spill = None if self.temp_directory else _spill_folder(purpose)
        return duckdb_cursors.cursor(purpose, self._config(spill))

    def refusals(
        self, entity: CompiledEntity, snapshots: Mapping[str, Snapshot], /
    ) -> dict[str, str]:
        """None: DuckDB casts any column (TRY_CAST), so every check the flags allow runs."""
        return {}

    def validate(
        self,
        entities: Sequence[CompiledEntity],
        snapshots: Mapping[str, Snapshot],
        /,
        *,
        failures_dir: Path,
        now: datetime,
        progress: Progress | None = None,
        state_dir: Path | None = None,
    ) -> list[EntityResult]:
        """Validate each entity; one broken entity or rule never stops the others.

        Validating one entity at a time needs only its own snapshot and those of the views
        its checks read (``CompiledEntity.needs``); a check reading a view not given is an
        ``error`` (a previous snapshot not given: ``skipped``).

        Args:
            entities: compiled entities to validate.
            snapshots: what was read, by view name: entity names, plus
                ``<entity>__mirror`` for reconciliation; ``Snapshot.previous`` becomes
                ``<entity>__previous``.
            failures_dir: folder receiving ``<entity>.parquet`` failure files.
            now: the run's reference time (freshness).
            progress: called as ``progress(entity, stage)``.
            state_dir: run row checks incrementally from the state each entity left in
                ``state_dir/<entity>`` (``vmsdq.engine.incremental``), and leave the new one.

        Returns:
            One result per entity, in the order given.
        """

        def one(con: duckdb.DuckDBPyConnection, entity: CompiledEntity, errors: Mapping[str, str],
                *, last_try: bool) -> EntityResult:  # fmt: skip
            return validate_entity(
                con,
                entity,
                snapshots.get(entity.name),
                registered=_registered(snapshots, errors),
                register_error=errors.get(entity.name),
                failures_dir=Path(failures_dir),
                now=now,
                progress=progress,
                state=Path(state_dir) / entity.name if state_dir is not None else None,
                raise_out_of_memory=not last_try,
            )

        results = []
        with self._cursor() as con:
            con.execute(UTC)
            errors = register_snapshots(con, snapshots)
            for entity in entities:
                try:
                    results.append(one(con, entity, errors, last_try=self.memory_limit is not None))
                except duckdb.OutOfMemoryException:
                    log.warning(
                        "entity '%s' needs more memory than the default engine limit (%s): "
                        "validated again without it (set engine.memory_limit to choose one)",
                        entity.name, DEFAULT_MEMORY_LIMIT,
                    )  # fmt: skip
                    # DuckDB's own limit, in a database of its own: the default limit is the
                    # engine's choice, not the project's (10,000 rules on 2 threads: ~1 GB)
                    spill = None if self.temp_directory else _spill_folder("roomy")
                    roomy = self.connect(spill, default_limit=False)
                    try:
                        again = register_snapshots(roomy, snapshots)
                        results.append(one(roomy, entity, again, last_try=True))
                    finally:
                        roomy.close()
        return results


def _registered(snapshots: Mapping[str, Snapshot], errors: Mapping[str, str]) -> set[str]:
    views = set(snapshots)
    views |= {ViewRef(n, ViewRole.previous).name for n, snap in snapshots.items() if snap.previous}
    return views - set(errors)


_SPILL: dict[tuple[int, str], str] = {}  # (process id, database purpose) -> spill folder
_SPILL_LOCK = threading.Lock()


def _spill_folder(purpose: str) -> str:
    """The spill folder of this process's database for ``purpose``: a fresh one under the
    system's temp folder (a forked process makes its own), removed when the process exits."""
    key = (os.getpid(), purpose)
    with _SPILL_LOCK:
        folder = _SPILL.get(key)
        if folder is None:
            folder = _SPILL[key] = tempfile.mkdtemp(prefix="vmsdq-duckdb-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
