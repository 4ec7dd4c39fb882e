"""Loaded by the worker processes some tests start (PYTHONPATH): slows or breaks one step.

``VMSDQ_TEST_HOOK`` is ``block:<entity>:<file>`` (validating that entity writes the file,
then hangs until the worker is killed), ``slow:<entity>:<file>`` (writes the file, waits
4 s, then validates) or ``flaky:<view>:<count file>:<n>`` (the first n reads of that view,
over every process, fail with a transient error).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

HOOK = os.environ.get("VMSDQ_TEST_HOOK", "")

if HOOK.startswith(("block:", "slow:")):
    from vmsdq.engine.duckdb_backend import DuckDBBackend

    KIND, ENTITY, MARK = HOOK.split(":", 2)
    _validate = DuckDBBackend.validate

    def _blocking(self: Any, entities: Any, *args: Any, **kwargs: Any) -> Any:
        if any(e.name == ENTITY for e in entities):
            Path(MARK).write_text(str(os.getpid()))
            time.sleep(600 if KIND == "block" else 4)
        return _validate(self, entities, *args, **kwargs)

    DuckDBBackend.validate = _blocking  # type: ignore[method-assign]

if HOOK.startswith("flaky:"):
    from vmsdq.core.errors import SourceUnavailableError
    from vmsdq.services.sources import RunSources

    _, VIEW, COUNTER, TIMES = HOOK.split(":", 3)
    _read = RunSources.read

    def _flaky(self: Any, ref: Any) -> Any:
        if ref.name == VIEW:
            path = Path(COUNTER)
            done = int(path.read_text() or 0) if path.exists() else 0
            if done < int(TIMES):
                path.write_text(str(done + 1))
                raise SourceUnavailableError(f"{VIEW}: connection refused (test)")
        return _read(self, ref)

    RunSources.read = _flaky  # type: ignore[method-assign]
