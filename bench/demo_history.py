"""Where a day of ``vmsdq demo --history N`` goes: data, Salesforce copy, run (wall and CPU).

    .venv/bin/python bench/demo_history.py --volunteers 5000 --days 3

Runs ``services.demo.simulate`` for ``--days`` days into a fresh folder under
``bench/.work/demo_history/`` with the three phases of each day timed (CPU = this process's
user + system time, every thread), and prints one Markdown row per day plus the total and the
load average. The whole command (``vmsdq demo --history 30 --no-serve``) is measured with
``/usr/bin/time`` for RESULTS.md; this script says which phase to work on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vmsdq.demo.generate as generate
import vmsdq.services.demo as demo_service

WORK = Path(__file__).resolve().parent / ".work" / "demo_history"
PHASES = ("data", "salesforce copy", "run")


class Clock:
    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {p: [0.0, 0.0] for p in PHASES}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.spent[name][0] += time.perf_counter() - wall
            self.spent[name][1] += time.process_time() - cpu

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.phase(name):
                return fn(*args, **kwargs)

        return wrapper

    def take(self) -> dict[str, list[float]]:
        out, self.spent = self.spent, {p: [0.0, 0.0] for p in PHASES}
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volunteers", type=int, default=5000)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    clock = Clock()
    copy = generate._salesforce_side
    generate._salesforce_side = clock.timed("salesforce copy", copy)  # type: ignore[assignment]
    gen = demo_service.generate_demo
    demo_service.generate_demo = clock.timed("data", gen)  # type: ignore[assignment]
    demo_service.run_now = clock.timed("run", demo_service.run_now)  # type: ignore[assignment]
    target = WORK / f"v{args.volunteers}"
    shutil.rmtree(target, ignore_errors=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| day | data s (wall / CPU) | Salesforce copy s | run s | day CPU s |")
    print("|---:|---:|---:|---:|---:|")
    days: list[dict[str, list[float]]] = []

    def report(i: int, _: object) -> None:  # called once day i is stored
        days.append(clock.take())
        _row(i + 1, days[-1])

    cpu, wall = time.process_time(), time.perf_counter()
    demo_service.simulate(target, args.days, volunteers=args.volunteers, seed=42, progress=report)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"total: {wall:.1f} s wall, {cpu:.1f} s CPU for {args.days} days")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _row(day: int, spent: dict[str, list[float]]) -> None:
    data = [
        spent["data"][0] - spent["salesforce copy"][0],
        spent["data"][1] - spent["salesforce copy"][1],
    ]
    sf, run = spent["salesforce copy"], spent["run"]
    cells = [f"{w:.2f} / {c:.2f}" for w, c in (data, sf, run)]
    print(f"| {day} | {' | '.join(cells)} | {spent['data'][1] + run[1]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
