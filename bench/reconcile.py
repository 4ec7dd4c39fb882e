"""Benchmark: reconcile N VMS volunteers against N Salesforce Contacts (10 mapped fields).

    .venv/bin/python bench/reconcile.py --rows 1000000 --threads 2 [--reladiff]

Generates both sides as Parquet under bench/.work/reconcile/ (1% missing on each side, 2%
changed values, 5% format-only differences), then times the reconciliation checks of the
VMS pack's volunteer mapping through the DuckDB backend (the same call a run makes).
With --reladiff, also times `reladiff` (own venv under bench/.work/reladiff-venv) on the
same two tables in one DuckDB file, when it installs and runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "reconcile"
PACK = ROOT / "src" / "vmsdq" / "packs" / "vms" / "entities" / "volunteer.yaml"
sys.path.insert(0, str(ROOT / "src"))

from vmsdq.core.snapshots import Snapshot  # noqa: E402
from vmsdq.engine.duckdb_backend import DuckDBBackend  # noqa: E402
from vmsdq.reconcile import compile_reconciliation, mapped_fields  # noqa: E402
from vmsdq.spec.models import EntitySpec  # noqa: E402

VMS_SQL = """
COPY (
  SELECT 'V' || lpad(i::VARCHAR, 8, '0') AS volunteer_id,
         '003' || lpad(i::VARCHAR, 15, '0') AS salesforce_id,
         'First' || (i % 5000) AS first_name, 'Last' || (i % 20000) AS last_name,
         'v' || i || '@example.org' AS email,
         '(' || (200 + i % 700) || ') 555-' || lpad((i % 10000)::VARCHAR, 4, '0') AS phone,
         'City' || (i % 300) AS mailing_city, 'NY' AS mailing_state,
         lpad((i % 99999)::VARCHAR, 5, '0') AS mailing_postal_code,
         DATE '1950-01-01' + (i % 20000)::INTEGER AS birthdate,
         CASE i % 3 WHEN 0 THEN 'Active' WHEN 1 THEN 'Inactive' ELSE 'Prospect' END AS status,
         CASE i % 2 WHEN 0 THEN 'Cleared' ELSE 'Pending' END AS background_check_status
  FROM range(1, {n} + 1) t(i)
) TO '{path}' (FORMAT parquet)
"""

SF_SQL = """
COPY (
  SELECT salesforce_id AS Id,
         CASE WHEN h % 100 = 1 THEN first_name || 'x' ELSE first_name END AS FirstName,
         CASE WHEN h % 100 = 2 THEN ' ' || last_name || ' ' ELSE last_name END AS LastName,
         CASE WHEN h % 100 = 3 THEN upper(email) WHEN h % 100 = 4 THEN 'x' || email
              ELSE email END AS Email,
         '+1' || regexp_replace(phone, '[^0-9]', '', 'g') AS Phone,
         mailing_city AS MailingCity, lower(mailing_state) AS MailingState,
         mailing_postal_code AS MailingPostalCode,
         strftime(birthdate, '%Y-%m-%d') || 'T00:00:00.000+0000' AS Birthdate,
         status AS Volunteer_Status__c, background_check_status AS Background_Check_Status__c
  FROM (SELECT *, hash(volunteer_id) AS h FROM read_parquet('{vms}'))
  WHERE h % 100 <> 0
  UNION ALL
  SELECT 'a0X' || lpad(i::VARCHAR, 15, '0'), 'New', 'Person', 'n' || i || '@x.org', NULL,
         NULL, NULL, NULL, NULL, 'Active', 'Pending'
  FROM range(1, {extra} + 1) t(i)
) TO '{path}' (FORMAT parquet)
"""


def bench_entity() -> EntitySpec:
    """The pack's volunteer mirror mapping, restricted to the mapped fields."""
    spec = yaml.safe_load(PACK.read_text())
    mirror = spec["mirror"]
    types = {"birthdate": {"type": "date"}}
    fields = {"volunteer_id": {}, "salesforce_id": {}}
    fields |= {name: types.get(name, {}) for name in mirror["fields"]}
    return EntitySpec.model_validate(
        {"entity": "volunteer", "key": "volunteer_id", "fields": fields, "mirror": mirror}
    )


def generate(n: int) -> tuple[Path, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    vms, sf = WORK / f"vms_{n}.parquet", WORK / f"sf_{n}.parquet"
    if not (vms.exists() and sf.exists()):
        con = duckdb.connect()
        con.execute(VMS_SQL.format(n=n, path=vms))
        con.execute(SF_SQL.format(vms=vms, extra=n // 100, path=sf))
    return vms, sf


def run_vmsdq(vms: Path, sf: Path, threads: int) -> dict[str, object]:
    import resource

    entity = bench_entity()
    assert len(mapped_fields(entity)) == 10
    ours = Snapshot(entity="volunteer", location=str(vms), parquet=[str(vms)])
    theirs = Snapshot(entity="volunteer", location=str(sf), parquet=[str(sf)])
    snaps = {"volunteer": ours, "volunteer__reconcile": ours, "volunteer__mirror": theirs}
    started = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    results = DuckDBBackend(threads=threads).validate(
        compile_reconciliation(entity),
        snaps,
        failures_dir=WORK / "failures",
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    errors = [r.message for r in results if r.status != "ok"]
    errors += [f"{x.rule}: {x.message}" for r in results for x in r.rules if x.outcome == "error"]
    assert not errors, errors
    failed = {x.rule: x.failed for r in results for x in r.rules}
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3), "failed": failed}


def run_reladiff(vms: Path, sf: Path) -> dict[str, object]:
    """reladiff in its own venv, on the same rows loaded into one DuckDB file."""
    venv = ROOT / "bench" / ".work" / "reladiff-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "reladiff==0.6.0", "duckdb"], check=True
        )
    db = WORK / "reladiff.duckdb"
    db.unlink(missing_ok=True)
    script = RELADIFF_SCRIPT.format(db=db, vms=vms, sf=sf)
    done = subprocess.run([str(py), "-c", script], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


RELADIFF_SCRIPT = """
import json, time, duckdb
con = duckdb.connect('{db}')
con.execute("CREATE TABLE vms AS SELECT salesforce_id AS id, first_name, last_name, email, "
            "phone, mailing_city, mailing_state, mailing_postal_code, "
            "CAST(birthdate AS VARCHAR) AS birthdate, status, background_check_status "
            "FROM read_parquet('{vms}')")
con.execute("CREATE TABLE sf AS SELECT Id AS id, FirstName AS first_name, LastName AS last_name, "
            "Email AS email, Phone AS phone, MailingCity AS mailing_city, "
            "MailingState AS mailing_state, MailingPostalCode AS mailing_postal_code, "
            "Birthdate AS birthdate, Volunteer_Status__c AS status, "
            "Background_Check_Status__c AS background_check_status FROM read_parquet('{sf}')")
con.close()
import reladiff
cols = ('first_name', 'last_name', 'email', 'phone', 'mailing_city', 'mailing_state',
        'mailing_postal_code', 'birthdate', 'status', 'background_check_status')
a = reladiff.connect_to_table('duckdb://{db}', 'vms', 'id', extra_columns=cols)
b = reladiff.connect_to_table('duckdb://{db}', 'sf', 'id', extra_columns=cols)
t = time.perf_counter()
diff = list(reladiff.diff_tables(a, b, algorithm='joindiff'))
print(json.dumps({{"seconds": round(time.perf_counter() - t, 3), "diff_rows": len(diff),
                  "note": "joindiff, raw values (no normalisation)"}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reladiff", action="store_true")
    args = parser.parse_args()
    t = time.perf_counter()
    vms, sf = generate(args.rows)
    sf_rows = pq.read_metadata(sf).num_rows
    print(f"data: {args.rows} VMS rows, {sf_rows} Salesforce rows ({time.perf_counter() - t:.1f}s)")
    best = None
    for attempt in range(3):
        outcome = run_vmsdq(vms, sf, args.threads)
        print(
            f"vmsdq reconcile run {attempt + 1}: {outcome['seconds']} s wall, "
            f"{outcome['cpu_seconds']} s CPU, load {os.getloadavg()[0]:.1f}"
        )
        best = outcome if best is None or outcome["seconds"] < best["seconds"] else best
    print(json.dumps(best, indent=1))
    if args.reladiff:
        print("reladiff:", json.dumps(run_reladiff(vms, sf)))


if __name__ == "__main__":
    main()
