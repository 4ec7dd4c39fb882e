"""Benchmark: read the volunteer table from PostgreSQL into a Parquet snapshot (SqlSource).

    .venv/bin/python bench/ingest.py --rows 1000000 [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Creates (once) table ``bench_volunteer_<rows>`` with the VMS pack's 20 volunteer columns,
filled with generate_series in the database, then times ``SqlSource.read`` (ADBC binary
COPY into Arrow, written batch by batch to Parquet) and reports rows/s. Target: 500k rows/s.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from vmsdq.core.workspace import Workspace  # noqa: E402
from vmsdq.sources.sql import SqlSource  # noqa: E402
from vmsdq.spec.loader import load_entity_file  # noqa: E402
from vmsdq.spec.models import EntitySpec, SqlSourceSpec  # noqa: E402

PACK = ROOT / "src" / "vmsdq" / "packs" / "vms" / "entities" / "volunteer.yaml"

CREATE = """
CREATE TABLE {table} AS
SELECT 'V' || lpad(i::text, 8, '0') AS volunteer_id,
       '003' || lpad(i::text, 15, '0') AS salesforce_id,
       'Volunteer' AS contact_type,
       'First' || (i % 5000) AS first_name,
       'Last' || (i % 20000) AS last_name,
       'v' || i || '@example.org' AS email,
       '(816) 555-' || lpad((i % 10000)::text, 4, '0') AS phone,
       'Kansas City' AS mailing_city,
       (ARRAY['MO','KS','IL','IA'])[1 + i % 4] AS mailing_state,
       lpad((64000 + i % 999)::text, 5, '0') AS mailing_postal_code,
       DATE '1950-01-01' + (i % 20000) AS birthdate,
       'O' || lpad((i % 5000)::text, 7, '0') AS organization_id,
       (ARRAY['Active','Inactive','Pending'])[1 + i % 3] AS status,
       (ARRAY['Cleared','In Progress','Expired'])[1 + i % 3] AS background_check_status,
       DATE '2020-01-01' + (i % 1500) AS background_check_date,
       DATE '2019-01-01' + (i % 2000) AS first_volunteer_date,
       (i % 1000) / 4.0 AS hours_logged,
       TIMESTAMP '2020-01-01' + (i % 100000) * INTERVAL '1 minute' AS created_at,
       TIMESTAMP '2024-01-01' + (i % 100000) * INTERVAL '1 minute' AS updated_at
FROM generate_series(1, {rows}) AS g(i)
"""


def ensure_table(url: str, rows: int) -> str:
    table = f"bench_volunteer_{rows}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table(table):
            conn.execute(sa.text(CREATE.format(table=table, rows=rows)))
            conn.execute(sa.text(f"ANALYZE {table}"))
    engine.dispose()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "VMSDQ_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = ensure_table(args.url, args.rows)
    declared = load_entity_file(PACK).model_dump(by_alias=True, exclude_none=True)
    entity = EntitySpec.model_validate({**declared, "sources": {"vms": {"table": table}}})
    spec = SqlSourceSpec(type="sql", url=args.url, batch_rows=args.batch_rows)
    with tempfile.TemporaryDirectory() as tmp:
        source = SqlSource("vms", spec, root=Path(tmp), workspace=Workspace.at(Path(tmp)))
        for attempt in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            snap = source.read(entity)
            seconds = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            rows = int(snap.meta["rows"])
            size = Path(snap.parquet[0]).stat().st_size / 1e6
            print(
                f"run {attempt + 1}: {rows} rows x {len(entity.fields)} columns in {seconds:.2f} s "
                f"= {rows / seconds:,.0f} rows/s (client CPU {cpu:.2f} s, Parquet {size:.0f} MB, "
                f"load {os.getloadavg()[0]:.1f})"
            )


if __name__ == "__main__":
    main()
