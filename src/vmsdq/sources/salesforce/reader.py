"""The two read paths: REST ``queryAll`` with ``nextRecordsUrl`` paging, Bulk API 2.0 jobs.

Both return all-text Arrow tables (see :mod:`vmsdq.sources.salesforce.arrow`); every API
request goes through ``SalesforceClient.call`` (re-authentication, retries, counting).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmsdq.sources.salesforce.arrow import csv_to_text, records_to_text, text_schema
from vmsdq.sources.salesforce.errors import SalesforceQueryError, SalesforceUnavailableError

if TYPE_CHECKING:
    import pyarrow as pa
    from simple_salesforce.api import Salesforce

    from vmsdq.sources.salesforce.client import SalesforceClient


@dataclass(frozen=True)
class BulkOptions:
    """Bulk 2.0 paging and polling: ``page_size`` is ``maxRecords`` per results request."""

    page_size: int = 100_000
    poll_first: float = 0.5  # seconds before the first status check, doubled up to poll_max
    poll_max: float = 10.0
    timeout: float = 3600.0


def count_records(client: SalesforceClient, soql: str, what: str) -> int:
    """``SELECT COUNT() ...`` through ``queryAll`` (deleted records included)."""
    result = client.call(f"{what}: COUNT()", lambda sf: sf.query(soql, include_deleted=True))
    return int(result["totalSize"])


def read_rest(client: SalesforceClient, soql: str, fields: Sequence[str], what: str) -> pa.Table:
    """Every page of a ``queryAll``: first request, then ``nextRecordsUrl`` until ``done``."""
    import pyarrow as pa

    page = client.call(f"{what}: REST queryAll", lambda sf: sf.query(soql, include_deleted=True))
    tables = [records_to_text(page["records"], fields)]
    while not page.get("done", True):
        url = page["nextRecordsUrl"]

        def more(sf: Salesforce, url: str = url) -> Any:
            return sf.query_more(url, identifier_is_url=True)

        page = client.call(f"{what}: REST queryMore", more)
        tables.append(records_to_text(page["records"], fields))
    return pa.concat_tables(tables) if tables else text_schema(fields).empty_table()


def read_bulk(
    client: SalesforceClient,
    obj: str,
    soql: str,
    fields: Sequence[str],
    what: str,
    options: BulkOptions,
) -> pa.Table:
    """A Bulk 2.0 ``queryAll`` job: create, poll with backoff, fetch results by locator."""
    import pyarrow as pa
    from simple_salesforce.bulk2 import Operation

    job = client.call(
        f"{what}: Bulk 2.0 create job",
        lambda sf: _bulk(sf, obj).create_job(Operation.query_all, soql),
    )
    job_id = str(job["id"])
    _wait(client, obj, job_id, what, options)
    tables, locator = [], ""
    while True:

        def page(sf: Salesforce, locator: str = locator) -> Any:
            return _bulk(sf, obj).get_query_results(job_id, locator, options.page_size)

        result = client.call(f"{what}: Bulk 2.0 results of job {job_id}", page)
        tables.append(csv_to_text(result["records"].encode("utf-8"), fields))
        locator = result["locator"]
        if not locator:
            break
    return pa.concat_tables(tables) if tables else text_schema(fields).empty_table()


def _wait(client: SalesforceClient, obj: str, job_id: str, what: str, options: BulkOptions) -> None:
    deadline = time.monotonic() + options.timeout
    delay = options.poll_first
    while True:
        time.sleep(delay)
        info = client.call(
            f"{what}: Bulk 2.0 status of job {job_id}",
            lambda sf: _bulk(sf, obj).get_job(job_id, True),
        )
        state = info.get("state")
        if state == "JobComplete":
            return
        if state in ("Failed", "Aborted"):
            raise SalesforceQueryError(
                f"{what}: Bulk 2.0 job {job_id} {state}: {info.get('errorMessage') or 'no reason'}"
            )
        if time.monotonic() > deadline:
            raise SalesforceUnavailableError(
                f"{what}: Bulk 2.0 job {job_id} still {state} after {options.timeout:.0f} s"
            )
        delay = min(delay * 2, options.poll_max)


def _bulk(sf: Salesforce, obj: str) -> Any:
    from simple_salesforce.bulk2 import _Bulk2Client

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {sf.session_id}"}
    return _Bulk2Client(obj, sf.bulk2_url, headers, sf.session)
