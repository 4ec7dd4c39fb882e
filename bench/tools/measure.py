"""Runs one tool as a whole child process and measures wall time and peak RSS (wait4 rusage)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measurement:
    wall_s: float
    cpu_s: float  # user + system time of the child (and its waited-for children)
    peak_rss_mb: float
    returncode: int | None  # None: killed at the time budget
    stdout: str
    stderr_tail: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_measured(
    cmd: list[str], *, cwd: Path, timeout_s: float, env: dict[str, str] | None = None
) -> Measurement:
    """Start ``cmd``, wait for it (or kill it after ``timeout_s``), return time and memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        status, rusage = _wait(proc.pid, start + timeout_s)
        wall = time.perf_counter() - start
        proc.returncode = 0  # reaped by wait4 above; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")[-2000:]
    code = None if status is None else os.waitstatus_to_exitcode(status)
    cpu = rusage.ru_utime + rusage.ru_stime if rusage else 0.0
    peak = rusage.ru_maxrss / 1024 if rusage else 0.0
    return Measurement(wall, cpu, peak, code, stdout, stderr)


def _wait(pid: int, deadline: float) -> tuple[int | None, os.struct_rusage | None]:
    while True:
        done, status, rusage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, rusage
        if time.perf_counter() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, _, rusage = os.wait4(pid, 0)
            return None, rusage
        time.sleep(0.005)
