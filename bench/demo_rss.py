"""Peak RSS of ``generate_demo`` by phase (psutil sampled every 20 ms; the label of a phase is
set when it starts, so "gen:X" covers damaging and writing X and building the next entities).

    .venv/bin/python bench/demo_rss.py 1000000 /tmp/d1m    (under /usr/bin/time -v)
"""

# ruff: noqa
import sys, threading, time, psutil, functools
from datetime import datetime
from pathlib import Path
import vmsdq.demo.generate as g
import vmsdq.demo.salesforce_copy as sc

proc = psutil.Process()
state = {"phase": "start", "peak": 0}
peaks = {}


def sampler():
    while True:
        r = proc.memory_info().rss
        p = state["phase"]
        peaks[p] = max(peaks.get(p, 0), r)
        time.sleep(0.02)


threading.Thread(target=sampler, daemon=True).start()


def wrap(mod, name, label=None):
    f = getattr(mod, name)

    @functools.wraps(f)
    def w(*a, **k):
        old = state["phase"]
        state["phase"] = label or name
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            print(
                f"{label or name}: {time.perf_counter() - t:.1f}s end rss {proc.memory_info().rss / 2**20:.0f} MiB",
                file=sys.stderr,
            )
            state["phase"] = old + "+"

    setattr(mod, name, w)


import vmsdq.demo.pipeline as pl

for n in ["write_truth_file", "_salesforce_side", "release_memory"]:
    wrap(g, n)
orig_done = pl.Entities.done


def done(self, frame, **kw):
    state["phase"] = "gen:" + frame.entity
    return orig_done(self, frame, **kw)


pl.Entities.done = done
orig_read = sc._read_vms


def rv(project, entity, ws):
    state["phase"] = "sf:" + entity.entity
    return orig_read(project, entity, ws)


sc._read_vms = rv
n = int(sys.argv[1])
g.generate_demo(Path(sys.argv[2]), volunteers=n, seed=42, as_of=datetime(2026, 12, 1, 12, 0))
time.sleep(0.05)
for p, r in peaks.items():
    print(f"  peak {p:28s} {r / 2**20:7.0f} MiB", file=sys.stderr)
