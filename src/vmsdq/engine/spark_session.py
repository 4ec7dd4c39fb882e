"""The one SparkSession of a process, started from the project's ``engine:`` settings.

Starting Spark costs seconds (a JVM, and on a cluster the executors), so the session is
started once per process and kept; ``stop_session`` ends it. Settings that decide results
(UTC, timestamps without a zone, ANSI casts) are fixed here: DuckDB's results depend on them.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vmsdq.core.errors import ConfigError, SourceError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOCAL_MASTER = "local[*]"
APP_NAME = "vmsdq"

# What the checks' results depend on: never overridden by the project's conf.
FIXED = {
    "spark.sql.session.timeZone": "UTC",  # casts and epochs in UTC, as DuckDB's session
    "spark.sql.timestampType": "TIMESTAMP_NTZ",  # TIMESTAMP has no zone, as in DuckDB
    "spark.sql.ansi.enabled": "true",  # TRY_CAST gives NULL, never a wrapped-around number
    "spark.sql.caseSensitive": "false",  # column names resolve as in DuckDB
}
# A local master: no UI, no network beyond the loopback, few shuffle partitions.
LOCAL = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
}

_lock = threading.Lock()
_session: tuple[str, tuple[tuple[str, str], ...], SparkSession] | None = None


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """The process's session for ``master`` (default ``local[*]``) with ``conf``.

    Raises:
        ConfigError: a fixed setting is overridden, or another master is already running.
        SourceError: Spark cannot start (pyspark is not installed, no Java).
    """
    global _session
    master = master or LOCAL_MASTER
    settings = _settings(master, conf or {})
    key = tuple(sorted(settings.items()))
    with _lock:
        if _session is not None:
            if (_session[0], _session[1]) != (master, key):
                raise ConfigError(
                    f"a Spark session for {_session[0]} already runs in this process; "
                    f"one process talks to one Spark master ({master} asked)"
                )
            return _session[2]
        session = _start(master, settings)
        _session = (master, key, session)
        return session


def stop_session() -> None:
    """Stop the process's session (if any); the next ``spark_session`` starts a new one."""
    global _session
    with _lock:
        if _session is not None:
            _session[2].stop()
            _session = None


def _settings(master: str, conf: Mapping[str, str]) -> dict[str, str]:
    clashes = sorted(k for k, v in conf.items() if k in FIXED and str(v) != FIXED[k])
    if clashes:
        raise ConfigError(
            f"engine.conf: {', '.join(clashes)} cannot be changed (results depend on "
            f"{', '.join(f'{k}={FIXED[k]}' for k in clashes)})"
        )
    local = LOCAL if master.startswith("local") else {}
    return {**local, **{k: str(v) for k, v in conf.items()}, **FIXED}


def _start(master: str, settings: Mapping[str, str]) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SourceError(
            "engine 'spark' needs pyspark: pip install 'vmsdq[spark]' (and Java 17)"
        ) from None
    if master.startswith("local") and shutil.which("java") is None:
        raise SourceError("engine 'spark' needs Java 17 on this machine: no 'java' on PATH")
    builder = SparkSession.builder.master(master).appName(APP_NAME)
    for name, value in settings.items():
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own runtime errors (no gateway, bad master)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"Spark could not start at {master}: {first}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session
