"""Latency of the dashboard and the API under 50 concurrent clients (locust), on the embedded
SQLite store and on PostgreSQL, with a 1M-volunteer demo and 90 days of history.

The newest run is a real run of the full VMS pack over the generated demo (its failure files
are what the failing-rows pages read). The 89 days before it are copies of that run's rows in
the results database (runs, steps, entity and rule results, scores), one per day with the
scores shifted a little, so history, trends and the store hold what 90 daily runs hold, without
89 more hours of validation. PostgreSQL gets the same rows, copied table by table.

    .venv/bin/python bench/web.py --volunteers 1000000 --days 90 --write-results
"""

from __future__ import annotations

import argparse
import csv
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
    import psycopg
    from sqlalchemy import MetaData, create_engine, select

    from vmsdq.store.db import Database

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        c.execute(f"CREATE DATABASE {PG_DB}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
    Database.connect(url).upgrade()
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
    print("copied the store to PostgreSQL", flush=True)
    return url


def serve(project: Path, url: str | None, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VMSDQ_PROJECT": str(project)}
    if url:
        env["VMSDQ_DATABASE_URL"] = url
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "8",
        "-b",
        f"127.0.0.1:{port}",
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
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/runs/latest/failures?{q}")
        )
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    return cursor


def load(
    port: int, cursor: str, users: int, seconds: int, out: Path
) -> dict[str, tuple[float, float, int]]:
    for path in ("/", "/entities/volunteer", "/rules/volunteer.email.format", "/api/v1/overview"):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120)  # warm the caches
    env = {**os.environ, "DEEP_CURSOR": cursor}
    cmd = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "web_locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(out),
        "--only-summary",
    ]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    stats: dict[str, tuple[float, float, int]] = {}
    with open(f"{out}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] != "Aggregated":
                stats[row["Name"]] = (
                    float(row["50%"]),
                    float(row["95%"]),
                    int(row["Request Count"]),
                )
            failures = int(row["Failure Count"])
            if failures:
                print(f"{row['Name']}: {failures} failures", flush=True)
    return stats


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    project = seed(args.volunteers, args.days)
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    for backend in args.backends.split(","):
        url = to_postgres(project / ".vmsdq" / "results.db") if backend == "postgresql" else None
        port = free_port()
        proc = serve(project, url, port)
        try:
            cursor = deep_cursor(port, "volunteer.email.format", 200)
            results[backend] = load(port, cursor, args.users, args.seconds, WORK / backend)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    table = render(results, args)
    print(table)
    if args.write_results:
        write(table)


def render(results: dict[str, dict[str, tuple[float, float, int]]], args: Any) -> str:
    names = list(next(iter(results.values())))
    head = "| request | " + " | ".join(f"{b} p50 ms | {b} p95 ms | {b} n" for b in results) + " |"
    lines = [head, "|---|" + "---|" * (3 * len(results))]
    for name in names:
        cells = [
            f"{results[b][name][0]:.0f} | {results[b][name][1]:.0f} | {results[b][name][2]}"
            for b in results
            if name in results[b]
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[
        :3
    ]
    cmd = " ".join(["bench/web.py", *sys.argv[1:]])
    return (
        f"Command: `.venv/bin/python {cmd}` ({args.volunteers:,} volunteers, {args.days} days, "
        f"{args.users} locust users, {args.seconds} s per backend, gunicorn 2 workers x 8 threads, "
        f"load average after: {' '.join(load)})\n\n" + "\n".join(lines)
    )


def write(table: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text()
    section = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), section, text, flags=re.S)
    else:
        text += "\n## Dashboard and API latency (`bench/web.py`)\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
