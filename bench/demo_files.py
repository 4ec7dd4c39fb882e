"""Generate the demo at fixed sizes and hash every file it writes (determinism check).

    python bench/demo_files.py --out /tmp/ref --sizes 2000,20000 --json /tmp/ref.json
    python bench/demo_files.py --out /tmp/new --sizes 2000,20000 --compare /tmp/ref.json

Each file is compared by bytes and, for Parquet, by rows (same values, same order); with
``--rss`` the process prints its RSS at phase boundaries (psutil) to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from datetime import datetime
from pathlib import Path

AS_OF = datetime(2026, 12, 1, 12, 0)


def digests(folder: Path) -> dict[str, dict[str, str]]:
    import pyarrow.parquet as pq

    out: dict[str, dict[str, str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        entry = {"bytes": hashlib.sha256(path.read_bytes()).hexdigest()}
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            rows = hashlib.sha256()
            for batch in table.to_batches(65_536):
                rows.update(repr(batch.to_pydict()).encode())
            entry["rows"] = f"{table.num_rows}:{rows.hexdigest()}"
        out[rel] = entry
    return out


def _problem(got: dict[str, str] | None, want: dict[str, str]) -> str:
    if got is None:
        return "missing"
    if got.get("rows") != want.get("rows"):
        return "ROWS DIFFER"
    return "same rows, bytes differ" if got["bytes"] != want["bytes"] else ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument(
        "--no-truth",
        action="store_true",
        help="write_truth=False (the "
        "path big demos take); the reference's truth file is not compared",
    )
    args = parser.parse_args()
    from vmsdq.demo import generate_demo

    found: dict[str, dict[str, dict[str, str]]] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = args.out / f"v{size}"
        shutil.rmtree(folder, ignore_errors=True)
        generate_demo(
            folder, volunteers=size, seed=args.seed, as_of=AS_OF, write_truth=not args.no_truth
        )
        found[str(size)] = {
            k: v
            for k, v in digests(folder).items()
            if k.startswith(("data/", "salesforce/", "truth/"))
        }
    if args.json:
        args.json.write_text(json.dumps(found, indent=1))
    if args.compare:
        ref = json.loads(args.compare.read_text())
        bad = 0
        for size, files in ref.items():
            for rel, entry in files.items():
                if args.no_truth and rel.startswith("truth/"):
                    continue
                got = found.get(size, {}).get(rel)
                problem = _problem(got, entry)
                if problem:
                    print(f"{size} {rel}: {problem}")
                    bad += problem != "same rows, bytes differ"
            for rel in set(found.get(size, {})) - set(files):
                print(f"{size} {rel}: new file")
                bad += 1
        print("identical rows" if bad == 0 else f"{bad} differences")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
