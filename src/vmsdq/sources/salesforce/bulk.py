"""Bulk API 2.0 query jobs: create, poll, read every result page, delete.

A page is parsed inside its request, so a broken or short transfer (fewer rows than
``Sforce-NumberOfRecords``) is fetched again like any retryable failure. A ``Failed`` or
``Aborted`` job raises with the server's ``errorMessage``; a job that outlives the timeout is
aborted. Finished jobs are deleted (Salesforce would keep them for 7 days).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vmsdq.sources.salesforce.arrow import csv_to_text, text_schema
from vmsdq.sources.salesforce.client import Retryable
from vmsdq.sources.salesforce.errors import (
    SalesforceError,
    SalesforceQueryError,
    SalesforceUnavailableError,
)

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


@dataclass
class Page:
    table: pa.Table
    locator: str


def read_bulk(
    client: SalesforceClient,
    soql: str,
    fields: Sequence[str],
    what: str,
    options: BulkOptions,
) -> pa.Table:
    """A Bulk 2.0 ``queryAll`` job as all-text columns named ``fields`` (API names)."""
    import pyarrow as pa

    job = client.call(f"{what}: Bulk 2.0 create job", lambda sf: _create(sf, soql))
    job_id = str(job["id"])
    try:
        _wait(client, job_id, what, options)
        tables, locator = [], ""
        while True:
            page = _page(client, job_id, locator, fields, what, options)
            tables.append(page.table)
            if not page.locator:
                break
            locator = page.locator
    except SalesforceUnavailableError:
        _abort(client, job_id, what)
        raise
    except SalesforceError:
        _delete(client, job_id, what)
        raise
    _delete(client, job_id, what)
    return pa.concat_tables(tables) if tables else text_schema(fields).empty_table()


def _create(sf: Salesforce, soql: str) -> Any:
    from simple_salesforce.util import call_salesforce

    body = {"operation": "queryAll", "query": soql, "columnDelimiter": "COMMA", "lineEnding": "LF"}
    result = call_salesforce(
        url=sf.bulk2_url + "query",
        method="POST",
        session=sf.session,
        headers=_headers(sf),
        json=body,
    )
    return result.json()


def _wait(client: SalesforceClient, job_id: str, what: str, options: BulkOptions) -> None:
    deadline = time.monotonic() + options.timeout
    delay = options.poll_first
    while True:
        time.sleep(delay)
        info = client.call(f"{what}: Bulk 2.0 status of job {job_id}", lambda sf: _job(sf, job_id))
        state = info.get("state")
        if state == "JobComplete":
            return
        if state in ("Failed", "Aborted"):
            reason = info.get("errorMessage") or "Salesforce gave no reason"
            raise SalesforceQueryError(f"{what}: Bulk 2.0 job {job_id} {state}: {reason}")
        if time.monotonic() > deadline:
            raise SalesforceUnavailableError(
                f"{what}: Bulk 2.0 job {job_id} still {state} after {options.timeout:.0f} s "
                "(aborted)"
            )
        delay = min(delay * 2, options.poll_max)


def _job(sf: Salesforce, job_id: str) -> Any:
    from simple_salesforce.util import call_salesforce

    url = f"{sf.bulk2_url}query/{job_id}"
    return call_salesforce(url=url, method="GET", session=sf.session, headers=_headers(sf)).json()


def _page(
    client: SalesforceClient,
    job_id: str,
    locator: str,
    fields: Sequence[str],
    what: str,
    options: BulkOptions,
) -> Page:
    where = f"{what}: Bulk 2.0 results of job {job_id}" + (
        f" at locator {locator}" if locator else ""
    )

    def fetch(sf: Salesforce) -> Page:
        from simple_salesforce.util import call_salesforce

        params = {"maxRecords": options.page_size} | ({"locator": locator} if locator else {})
        headers = _headers(sf) | {"Accept": "text/csv"}
        url = f"{sf.bulk2_url}query/{job_id}/results"
        response = call_salesforce(
            url=url, method="GET", session=sf.session, headers=headers, params=params
        )
        return _parse(response, fields, where)

    return client.call(where, fetch)


def _parse(response: Any, fields: Sequence[str], where: str) -> Page:
    """One results response as a page; a short page is retried, a bad CSV is terminal."""
    data = response.content.replace(b"\x00", b"")
    try:
        table = csv_to_text(data, fields)
    except ValueError as exc:
        raise SalesforceQueryError(f"{where}: {exc}") from None
    expected = response.headers.get("Sforce-NumberOfRecords")
    if expected is not None and expected.isdigit() and int(expected) != table.num_rows:
        raise Retryable(
            f"the page held {table.num_rows} records, Sforce-NumberOfRecords said {expected}"
        )
    locator = response.headers.get("Sforce-Locator") or ""
    return Page(table, "" if locator == "null" else locator)


def _abort(client: SalesforceClient, job_id: str, what: str) -> None:
    """Best effort: a job we stop waiting for should not keep running."""
    from simple_salesforce.util import call_salesforce

    def abort(sf: Salesforce) -> Any:
        url = f"{sf.bulk2_url}query/{job_id}"
        return call_salesforce(
            url=url,
            method="PATCH",
            session=sf.session,
            headers=_headers(sf),
            json={"state": "Aborted"},
        )

    with contextlib.suppress(SalesforceError):  # the original error is what the user needs
        client.call(f"{what}: Bulk 2.0 abort job {job_id}", abort)


def _delete(client: SalesforceClient, job_id: str, what: str) -> None:
    """Delete a finished job (the answer is 204 with no body; nothing to parse)."""
    from simple_salesforce.util import call_salesforce

    def delete(sf: Salesforce) -> Any:
        url = f"{sf.bulk2_url}query/{job_id}"
        return call_salesforce(url=url, method="DELETE", session=sf.session, headers=_headers(sf))

    with contextlib.suppress(SalesforceError):  # read; Salesforce deletes it after 7 days
        client.call(f"{what}: Bulk 2.0 delete job {job_id}", delete)


def _headers(sf: Salesforce) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {sf.session_id}"}
