"""The process's shared DuckDB per purpose: opened once, set up once, a new one after fork."""

from __future__ import annotations

import os
import threading

import duckdb

from vmsdq.core import duckdb_cursors


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchone()[0])  # type: ignore[index]


def test_one_database_per_purpose_set_up_once() -> None:
    calls: list[int] = []

    def setup(db: duckdb.DuckDBPyConnection) -> None:
        calls.append(1)
        db.execute("CREATE TABLE shared_marker AS SELECT 7 AS x")

    for _ in range(3):
        with duckdb_cursors.cursor("test-purpose", {"threads": 1}, setup) as con:
            assert con.execute("SELECT x FROM shared_marker").fetchone() == (7,)
            assert _threads(con) == 1
    assert calls == [1]
    with duckdb_cursors.cursor("test-other") as con:  # another purpose: another database
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'shared_marker'"
        ).fetchone() == (0,)


def test_cursors_work_from_several_threads_at_once() -> None:
    results: list[int] = []

    def work(n: int) -> None:
        with duckdb_cursors.cursor("test-threads") as con:
            results.append(con.execute(f"SELECT sum(range) FROM range({n})").fetchone()[0])  # type: ignore[index]

    threads = [threading.Thread(target=work, args=(n,)) for n in (10, 100, 1000, 10000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [45, 4950, 499500, 49995000]


def test_a_forked_child_opens_its_own_database() -> None:
    with duckdb_cursors.cursor("test-fork") as con:
        con.execute("SELECT 1").fetchall()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: works with a database of its own
        try:
            with duckdb_cursors.cursor("test-fork") as con:
                value = con.execute("SELECT 41 + 1").fetchone()[0]  # type: ignore[index]
            os.write(write, str(value).encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 16) == b"42" and os.waitstatus_to_exitcode(status) == 0
    os.close(read)
