"""Python's cyclic collector paused for one short command's work.

What ``vmsdq check`` and ``vmsdq validate`` build (project models, compiled SQLGlot trees,
which are cyclic: every node points at its parent) lives to the command's end, so the
collector would only rescan it, during the command and again at exit: half the CPU of
checking a 10 MB project file (bench/yaml_load.py) and about a tenth of validating 1,000
rules (bench/rules_scale.py). Data does not live in Python objects (DuckDB and Arrow hold
it), and what is freed without cycles is freed at once as always. After the work, what is
alive is frozen (never rescanned: the process ends right after) and collection resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
