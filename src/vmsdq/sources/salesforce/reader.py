"""The REST read path: ``queryAll`` with ``nextRecordsUrl`` paging, and ``COUNT()``.

Pages come back as all-text Arrow tables (see :mod:`vmsdq.sources.salesforce.arrow`); every
API request goes through ``SalesforceClient.call`` (re-authentication, retries, counting).
Bulk API 2.0 jobs are in :mod:`vmsdq.sources.salesforce.bulk`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vmsdq.sources.salesforce.arrow import records_to_text, text_schema
from vmsdq.sources.salesforce.bulk import BulkOptions, read_bulk

if TYPE_CHECKING:
    import pyarrow as pa
    from simple_salesforce.api import Salesforce

    from vmsdq.sources.salesforce.client import SalesforceClient

__all__ = ["BulkOptions", "count_records", "read_bulk", "read_rest"]


def count_records(client: SalesforceClient, soql: str, what: str) -> int:
    """``SELECT COUNT() ...`` through ``queryAll`` (deleted records included)."""
    result = client.call(f"{what}: COUNT()", lambda sf: sf.query(soql, include_deleted=True))
    return int(result["totalSize"])


def read_rest(client: SalesforceClient, soql: str, fields: Sequence[str], what: str) -> pa.Table:
    """Every page of a ``queryAll``: first request, then ``nextRecordsUrl`` until ``done``.

    Pages may hold fewer records than asked for; only ``done`` ends the loop.
    """
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
