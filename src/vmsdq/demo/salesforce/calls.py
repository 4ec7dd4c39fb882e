"""Measure the API calls (and time) of a Bulk 2.0 read of N records from the fake org.

calls = describe + COUNT() + create + status polls + result pages + delete.

    python -m vmsdq.demo.salesforce.calls --records 1000000 --page-size 100000

Serves N synthetic Contact records over real HTTP, reads them with ``SalesforceSource``
and prints the calls the client made, the calls the server counted, by kind, and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from vmsdq.core.workspace import Workspace
from vmsdq.demo.columns import salesforce_ids
from vmsdq.demo.salesforce.fake_server import FakeSalesforce
from vmsdq.sources.salesforce.client import RetryPolicy
from vmsdq.sources.salesforce.reader import BulkOptions
from vmsdq.sources.salesforce.source import SalesforceSource
from vmsdq.spec.models import EntitySpec, SalesforceSourceSpec


def synthetic_contacts(n: int) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    idx = pa.array(np.arange(n, dtype=np.int64))
    text = pc.cast(idx, pa.string())
    start = np.datetime64("2026-01-01T00:00:00", "ms")
    stamps = start + np.arange(n, dtype=np.int64).astype("timedelta64[ms]")
    return pa.table(
        {
            "Id": salesforce_ids("003", np.arange(n, dtype=np.int64)),
            "FirstName": pc.binary_join_element_wise("First", text, ""),
            "LastName": pc.binary_join_element_wise("Last", text, ""),
            "Email": pc.binary_join_element_wise("v", text, "@example.org", ""),
            "SystemModstamp": pa.array(stamps).cast(pa.timestamp("ms", "UTC")),
            "IsDeleted": pa.array(np.zeros(n, dtype=bool)),
        }
    )


def measure(records: int, page_size: int, polls: int = 1) -> dict[str, Any]:
    """Serve ``records`` Contacts and read them through Bulk 2.0; returns the counts."""
    entity = EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "fields": {"id": {}, "first_name": {}, "last_name": {}, "email": {}},
            "mirror": {
                "object": "Contact",
                "match_on": "id",
                "fields": {"first_name": "FirstName", "last_name": "LastName", "email": "Email"},
            },
        }
    )
    with FakeSalesforce({"Contact": synthetic_contacts(records)}, bulk_polls=polls) as org:
        os.environ |= org.source_env("SFBENCH_")
        spec = SalesforceSourceSpec(
            type="salesforce", domain=org.url, env_prefix="SFBENCH_", bulk_threshold=1
        )  # client credentials, the default
        with tempfile.TemporaryDirectory() as tmp:
            source = SalesforceSource(
                "bench",
                spec,
                root=Path(tmp),
                workspace=Workspace.at(Path(tmp)),
                incremental=False,
                retry=RetryPolicy(),
                bulk=BulkOptions(page_size=page_size, poll_first=0.01, poll_max=0.05),
            )
            started = time.perf_counter()
            snap = source.read(entity)
            seconds = time.perf_counter() - started
            source.close()
        return {
            "records": records,
            "rows_read": snap.meta["rows"],
            "mode": snap.meta["mode"],
            "page_size": page_size,
            "api_calls_client": snap.meta["api_calls"],
            "api_calls_server": org.api_calls,
            "by_kind": org.calls,
            "logins": org.logins,
            "seconds": round(seconds, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=BulkOptions().page_size)
    parser.add_argument("--polls", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(measure(args.records, args.page_size, args.polls), indent=2))


if __name__ == "__main__":
    main()
