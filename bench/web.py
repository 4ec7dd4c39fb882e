"""Latency of the dashboard and the API under 50 concurrent clients (wrk), on the embedded
SQLite store and on PostgreSQL, with a 1M-volunteer demo and 90 days of history, with the
read cache off (every read computed: "cold") and on (Redis, after one pass: "warm").

The newest run is a real run of the full VMS pack over the generated demo (its failure files
are what the failing-rows pages read). The 89 days before it are copies of that run's rows in
the results database (runs, steps, entity and rule results, scores), one per day with the
scores shifted a little, so history, trends and the store hold what 90 daily runs hold, without
89 more hours of validation. PostgreSQL gets the same rows, copied table by table.

    .venv/bin/python bench/web.py --volunteers 1000000 --days 90 --write-results

Load: one ``wrk`` (Debian package ``wrk``) per kind of request, together 50 connections in
the proportions below, each connection pausing 0.5-1.5 s between requests (``web_wrk.lua``).
wrk is written in C: it takes a few percent of a core, where locust took most of one.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work" / "web"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "vmsdq_web_bench"
BEGIN, END = "<!-- web-latency:begin -->", "<!-- web-latency:end -->"


def seed(volunteers: int, days: int) -> Path:
    from vmsdq.demo import generate_demo
    from vmsdq.services.context import open_context
    from vmsdq.services.runs import run_now

    project = WORK / f"demo-{volunteers}"
    db = project / ".vmsdq" / "results.db"
    if db.is_file():
        return project
    t = time.perf_counter()
    generate_demo(project, volunteers=volunteers, seed=42)
    run = run_now(open_context(project))
    print(f"seeded the real run {run.run_id} in {time.perf_counter() - t:.0f} s", flush=True)
    _copy_history(db, run.run_id, days - 1)
    return project


def _copy_history(db: Path, run_id: str, days: int) -> None:
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(f"sqlite:///{db}")
    meta = MetaData()
    meta.reflect(engine)
    rng = random.Random(7)
    with engine.begin() as con:
        run = con.execute(select(meta.tables["runs"]).where(meta.tables["runs"].c.id == run_id))
        base = dict(run.mappings().one())
        children = {
            name: [dict(r) for r in con.execute(select(t).where(t.c.run_id == run_id)).mappings()]
            for name, t in meta.tables.items()
            if "run_id" in t.c and name != "runs"
        }
        for day in range(1, days + 1):
            new_id = f"{run_id[:8]}H{day:03d}-{rng.randrange(16**6):06x}"
            shift = timedelta(days=day)
            row = {**base, "id": new_id}
            for col in ("started_at", "finished_at", "updated_at"):
                if row.get(col) is not None:
                    row[col] = row[col] - shift
            con.execute(meta.tables["runs"].insert(), [row])
            delta = rng.uniform(-6, 4)
            for name, rows in children.items():
                copies = []
                for r in rows:
                    c = {**r, "run_id": new_id}
                    c.pop("id", None)
                    if name == "scores" and c.get("score") is not None:
                        c["score"] = max(0.0, min(100.0, c["score"] + delta))
                    if "at" in c and c["at"] is not None:
                        c["at"] = c["at"] - shift
                    copies.append(c)
                if copies:
                    con.execute(meta.tables[name].insert(), copies)
    print(f"copied {days} earlier days of history", flush=True)


def to_postgres(db: Path) -> str:
    """A fresh PostgreSQL database with the SQLite store's rows (schema by the migrations)."""
    import psycopg
    from sqlalchemy import Integer, MetaData, create_engine, make_url, select, text

    from vmsdq.store.db import Database

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {PG_DB}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
    # Database(url), not Database.connect(url): connect() refuses a database below the head,
    # and an empty one is below it.
    fresh = Database(make_url(url))
    try:
        fresh.upgrade()
    finally:
        fresh.dispose()
    source = create_engine(f"sqlite:///{db}")
    target = create_engine(url)
    meta, theirs = MetaData(), MetaData()
    meta.reflect(source)
    theirs.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(theirs.tables[table.name].insert(), rows)
            ids = theirs.tables[table.name].c.get("id")
            if rows and ids is not None and isinstance(ids.type, Integer):
                dst.execute(  # the copied ids were explicit: move the sequence past them
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )
        dst.execute(text("ANALYZE"))
    target.dispose()
    print("copied the store to PostgreSQL", flush=True)
    return url


REQUESTS = [  # (name, path, connections): 50 in all, in the proportions of a dashboard's use
    ("page: overview", "/", 8),
    ("page: entity", "/entities/volunteer", 5),
    ("page: failing rows (first)", "/rules/{rule}", 5),
    ("page: failing rows (deep, 200 pages in)", "/rules/{rule}?cursor={deep}", 5),
    ("api: runs", "/api/v1/runs?limit=20", 5),
    ("api: run (latest)", "/api/v1/runs/latest", 5),
    ("api: scores", "/api/v1/runs/latest/scores", 5),
    ("api: failures", "/api/v1/runs/latest/failures?rule={rule}&limit=50", 6),
    ("api: overview", "/api/v1/overview", 3),
    ("api: history", "/api/v1/history?entity=volunteer", 3),
]
RULE = "volunteer.email.format"
WORKERS, THREADS = 3, 4  # gunicorn gthread on 2 cores: see the RESULTS.md section


def serve(project: Path, url: str | None, port: int, cache: str) -> subprocess.Popen[bytes]:
    # 50 clients from one address: the per-address limit is raised, not turned off (its
    # bookkeeping is part of every request's cost).
    env = {**os.environ, "VMSDQ_PROJECT": str(project), "VMSDQ_RATE_LIMITS": "100000 per minute"}
    if url:
        env["VMSDQ_DATABASE_URL"] = url
    if cache == "off":
        env["VMSDQ_READ_CACHE"] = "off"
    else:
        env.pop("VMSDQ_READ_CACHE", None)
        env["VMSDQ_CACHE_URL"] = cache
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        str(WORKERS),
        "-k",
        "gthread",
        "--threads",
        str(THREADS),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",  # a worker starved of CPU by the load is not hung: do not kill it
        "--log-level",
        "warning",
        "vmsdq.web:create_app()",
    ]
    proc = subprocess.Popen(cmd, env=env)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/runs?limit=1", timeout=5)
            return proc
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("the server did not start")


def deep_cursor(port: int, rule: str, pages: int) -> str:
    import json

    cursor = ""
    for _ in range(pages):
        q = f"rule={rule}&limit=25" + (f"&cursor={cursor}" if cursor else "")
        body = json.load(
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/v1/runs/latest/failures?{q}", timeout=300
            )
        )
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    return cursor


def load(port: int, deep: str, seconds: int, warm: bool) -> dict[str, dict[str, float]]:
    """One wrk per kind of request, all at once; their latency percentiles by name."""
    import json

    paths = [(n, p.format(rule=RULE, deep=deep), c) for n, p, c in REQUESTS]
    if warm:  # every path once per worker process, so what is measured are hits
        for _ in range(WORKERS * 2):
            for _, path, _ in paths:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=300).read()
    procs = []
    for i, (name, path, conns) in enumerate(paths):
        env = {**os.environ, "WRK_PATH": path, "WRK_SEED": str(i)}
        cmd = [
            "wrk",
            "-t1",
            f"-c{conns}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench" / "web_wrk.lua"),
            f"http://127.0.0.1:{port}",
        ]
        procs.append((name, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)))
    stats: dict[str, dict[str, float]] = {}
    for name, proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        line = [x for x in out.splitlines() if x.startswith("{")][-1]
        stats[name] = json.loads(line)
        if stats[name]["errors"] or stats[name]["non2xx"]:
            print(f"{name}: {stats[name]}", flush=True)
    return stats


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--caches", default="warm,cold")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="the warm cache")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    project = seed(args.volunteers, args.days)
    results: dict[str, dict[str, dict[str, float]]] = {}
    loads: dict[str, str] = {}
    for backend in args.backends.split(","):
        url = to_postgres(project / ".vmsdq" / "results.db") if backend == "postgresql" else None
        for mode in args.caches.split(","):
            port = free_port()
            proc = serve(project, url, port, "off" if mode == "cold" else args.redis)
            try:
                deep = deep_cursor(port, RULE, 200)
                before = loadavg()
                column = f"{backend} {mode}"
                results[column] = load(port, deep, args.seconds, warm=mode == "warm")
                loads[column] = f"{before} before, {loadavg()} after"
                print(column, loads[column], flush=True)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    table = render(results, loads, args)
    print(table)
    if args.write_results:
        write(table)


def render(
    results: dict[str, dict[str, dict[str, float]]], loads: dict[str, str], args: Any
) -> str:
    columns = list(results)
    head = "| request | " + " | ".join(f"{c} p50 / p95 ms" for c in columns) + " |"
    lines = [head, "|---|" + "---|" * len(columns)]
    for name, _, _ in REQUESTS:
        cells = []
        for c in columns:
            r = results[c].get(name)
            if r is None:
                cells.append("")
            elif not r["requests"]:
                cells.append("no answer")  # not one request completed in the column's time
            else:
                cells.append(f"{r['p50']:.0f} / {r['p95']:.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    counts = " | ".join(str(sum(int(r["requests"]) for r in results[c].values())) for c in columns)
    lines.append(f"| requests in all | {counts} |")
    worst = {
        c: max(r["p95"] if r["requests"] else float("inf") for r in results[c].values())
        for c in columns
    }
    met = {c: "met" if w < 100 else "NOT met" for c, w in worst.items()}
    cmd = " ".join(["bench/web.py", *sys.argv[1:]])
    return (
        f"Command: `.venv/bin/python {cmd}` ({args.volunteers:,} volunteers, {args.days} days; "
        f"wrk, 50 connections, 0.5-1.5 s pause, {args.seconds} s per column; gunicorn "
        f"{WORKERS} workers x {THREADS} threads; cold = read cache off, warm = Redis "
        "cache after one pass)\n\n"
        + "\n".join(lines)
        + "\n\nLoad average (1, 5, 15 min) per column: "
        + "; ".join(f"{c}: {v}" for c, v in loads.items())
        + "\n\nTarget p95 < 100 ms for every row: "
        + "; ".join(f"{c}: {met[c]} ({_worst(worst[c])})" for c in columns)
        + "\n"
    )


def _worst(p95: float) -> str:
    return f"worst p95 {p95:.0f} ms" if p95 != float("inf") else "a kind of request had no answer"


def write(table: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text()
    section = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text:
        text = re.sub(
            re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S
        )
    else:
        text += "\n## Dashboard and API latency (`bench/web.py`)\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
