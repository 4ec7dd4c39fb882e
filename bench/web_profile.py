"""CPU per request of the requests bench/web.py loads, one request at a time in process, on
the store bench/web.py built (read cache off: every read computed, or on: hits), and with
``--profile`` a pyinstrument profile of each (``pip install -e '.[bench]'``).

    .venv/bin/python bench/web_profile.py [--cache] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "bench" / ".work" / "web" / "demo-1000000"
RULE = "volunteer.email.format"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default=str(PROJECT))
    parser.add_argument("--cache", action="store_true", help="in-process read cache on")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ["VMSDQ_READ_CACHE"] = "on" if args.cache else "off"
    os.environ.pop("VMSDQ_CACHE_URL", None)
    from vmsdq.web import create_app

    client = create_app({"VMSDQ_PROJECT": args.project}).test_client()
    cursor = ""
    for _ in range(200):  # the deep page: 200 pages of 25 in (this builds the rule's index)
        q = f"rule={RULE}&limit=25" + (f"&cursor={cursor}" if cursor else "")
        body = json.loads(client.get(f"/api/v1/runs/latest/failures?{q}").data)
        cursor = body["next_cursor"] or cursor
    paths = [
        "/",
        "/entities/volunteer",
        f"/rules/{RULE}",
        f"/rules/{RULE}?cursor={cursor}",
        "/api/v1/runs?limit=20",
        "/api/v1/runs/latest",
        "/api/v1/runs/latest/scores",
        f"/api/v1/runs/latest/failures?rule={RULE}&limit=50",
        "/api/v1/overview",
        "/api/v1/history?entity=volunteer",
    ]
    for path in paths:
        client.get(path)
    for path in paths:
        cpu = []
        for _ in range(5):
            start = time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{sorted(cpu)[2]:7.1f} ms CPU  {path[:90]}", flush=True)
    if args.profile:
        from pyinstrument import Profiler

        for path in paths:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(3):
                client.get(path)
            profiler.stop()
            print("=" * 30, path)
            print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
