"""A run's failing rows, one rule at a time, in an indexed SQLite file: pages by keyset.

The failure files (``runs/<run>/failures/<entity>.parquet``) are what a run wrote; to page
through the rows of one rule they would be scanned again for every page. The first page
asked of a rule copies that rule's rows here (``runs/<run>/failures-index.sqlite``), sorted
by the index ``(rule, key, filename, row)``; every later page, first or ten thousandth, is a
range read of that index. The file remembers the failure files it was built from (name,
size, modification time): when they change (a step validated again), it is rebuilt.
Several processes may build at once: a rule is built inside one write transaction, and a
builder that waited finds it done.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

Row = tuple[str, str, str | None, str, int]  # rule, key, values (JSON text), filename, row

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
CREATE TABLE IF NOT EXISTS built (rule TEXT PRIMARY KEY, total INTEGER);
CREATE TABLE IF NOT EXISTS rows (
    rule TEXT NOT NULL, key TEXT, "values" TEXT, filename TEXT NOT NULL, row INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_page ON rows (rule, key, filename, row);
"""


def fingerprint(files: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Name -> (size, modification time) of the failure files."""
    out = {}
    for f in files:
        st = f.stat()
        out[f.name] = (st.st_size, st.st_mtime_ns)
    return out


class FailureIndex:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        with closing(con):
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con

    def state(self, rule: str, files: dict[str, tuple[int, int]]) -> bool | None:
        """True when ``rule`` is indexed from exactly these failure files, False when it is
        not indexable (a row without a key: those sort differently), None when not built."""
        if not self.path.is_file():
            return None
        with self._connect() as con:
            if _sources(con) != files:
                return None
            return _built(con, rule)

    def build(self, rule: str, files: dict[str, tuple[int, int]], rows: Iterable[Row]) -> None:
        """Index ``rows`` (every failing row of ``rule``) read from ``files``; a file built
        from other failure files is emptied first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            try:
                if _sources(con) != files:
                    for table in ("sources", "built", "rows"):
                        con.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
                    con.executemany(
                        "INSERT INTO sources VALUES (?, ?, ?)",
                        [(name, size, mtime) for name, (size, mtime) in files.items()],
                    )
                if _built(con, rule) is None:
                    total = 0
                    for batch in _batches(rows, 10_000):
                        if any(r[1] is None for r in batch):
                            con.execute("DELETE FROM rows WHERE rule = ?", (rule,))
                            total = -1  # not indexable: pages read the failure files
                            break
                        con.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", batch)
                        total += len(batch)
                    con.execute("INSERT INTO built VALUES (?, ?)", (rule, total))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def page(
        self, rule: str, *, after: list[Any] | None, descending: bool, limit: int
    ) -> list[Row]:
        """Up to ``limit`` rows of ``rule`` by (key, filename, row), after the cursor values
        ``[key, rule, filename, row]`` (those of the last row of the page before)."""
        direction = "DESC" if descending else "ASC"
        op = "<" if descending else ">"
        where, params = "rule = ?", [rule]
        if after is not None:
            key, _, filename, row = after
            where += f" AND (key, filename, row) {op} (?, ?, ?)"
            params += [key, filename, row]
        sql = (
            f'SELECT rule, key, "values", filename, row FROM rows WHERE {where} '  # noqa: S608
            f"ORDER BY rule {direction}, key {direction}, filename {direction}, row {direction} "
            "LIMIT ?"
        )
        with self._connect() as con:
            return [tuple(r) for r in con.execute(sql, [*params, limit])]


def _sources(con: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    try:
        found = con.execute("SELECT name, size, mtime_ns FROM sources").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return {}
    return {name: (size, mtime) for name, size, mtime in found}


def _built(con: sqlite3.Connection, rule: str) -> bool | None:
    try:
        found = con.execute("SELECT total FROM built WHERE rule = ?", (rule,)).fetchone()
    except sqlite3.OperationalError:  # not created yet
        return None
    return None if found is None else found[0] >= 0


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
