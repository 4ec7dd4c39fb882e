"""Bulk API 2.0 reads that go wrong the way real ones do, and what the user sees."""

from __future__ import annotations

import pyarrow as pa
import pytest

from vmsdq.core.errors import TerminalError, TransientError
from vmsdq.demo.salesforce.fake_server import FakeSalesforce
from vmsdq.sources.salesforce.errors import SalesforceQueryError, SalesforceUnavailableError
from vmsdq.sources.salesforce.reader import BulkOptions

from .conftest import FAST_BULK, SourceFactory, contacts, volunteer_entity

PAGES = 3  # 10 volunteers, 4 a page


def bulk(make_source: SourceFactory, **options: float) -> object:
    opts = BulkOptions(**{**FAST_BULK.__dict__, **options})  # type: ignore[arg-type]
    return make_source(bulk_threshold=1, incremental=False, bulk=opts)


def test_multi_line_text_comes_through_bulk_as_through_rest(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    table = contacts(10, deleted=2, staff=3)
    names = [f'Line one\nLine "two"\r\nLine, three {i}' for i in range(table.num_rows)]
    org.put("Contact", table.set_column(2, "LastName", pa.array(names)))
    rest = make_source(incremental=False).read(volunteer_entity())
    snap = bulk(make_source).read(volunteer_entity())  # type: ignore[attr-defined]
    assert snap.meta["mode"] == "bulk"
    assert snap.table.sort_by("Id").equals(rest.table.sort_by("Id"))
    assert snap.table.column("LastName")[0].as_py().startswith('Line one\nLine "two"\r\n')


@pytest.mark.parametrize("kind", [{}, {"short": True}, {"gzip": True}])
def test_a_broken_short_or_undecodable_page_is_fetched_again(
    org: FakeSalesforce, make_source: SourceFactory, kind: dict[str, bool]
) -> None:
    org.break_downloads(1, **kind)
    snap = bulk(make_source).read(volunteer_entity())  # type: ignore[attr-defined]
    assert snap.table.num_rows == 10
    assert org.calls["jobResults"] == PAGES + 1


def test_downloads_broken_every_time_give_a_transient_error_and_abort_the_job(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    org.break_downloads(10)
    with pytest.raises(SalesforceUnavailableError) as info:
        bulk(make_source).read(volunteer_entity())  # type: ignore[attr-defined]
    message = str(info.value)
    assert "Bulk 2.0 results of job 750" in message
    assert message.endswith(
        "Salesforce kept failing after 3 attempts: network error: ChunkedEncodingError"
    )
    assert isinstance(info.value, TransientError)
    assert org.calls["jobAbort"] == 1


@pytest.mark.parametrize(
    ("state", "reason", "shown"),
    [
        ("Failed", "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED", None),
        ("Aborted", "", "Salesforce gave no reason"),
    ],
)
def test_a_failed_or_aborted_job_says_why_and_is_deleted(
    org: FakeSalesforce, make_source: SourceFactory, state: str, reason: str, shown: str | None
) -> None:
    org.fail_jobs(state, reason)
    with pytest.raises(SalesforceQueryError) as info:
        bulk(make_source).read(volunteer_entity())  # type: ignore[attr-defined]
    assert "Bulk 2.0 job 750" in str(info.value)
    assert str(info.value).endswith(f"{state}: {shown or reason}")
    assert isinstance(info.value, TerminalError)
    assert org.calls.get("jobResults", 0) == 0 and org.calls["jobDelete"] == 1


def test_a_job_that_outlives_the_timeout_is_aborted(
    org: FakeSalesforce, make_source: SourceFactory
) -> None:
    org.bulk_polls = 50
    with pytest.raises(SalesforceUnavailableError, match=r"still InProgress after 0 s \(aborted\)"):
        bulk(make_source, timeout=0.0).read(volunteer_entity())  # type: ignore[attr-defined]
    (job,) = org.state.jobs.values()
    assert job.state == "Aborted"


def test_finished_jobs_are_deleted(org: FakeSalesforce, make_source: SourceFactory) -> None:
    bulk(make_source).read(volunteer_entity())  # type: ignore[attr-defined]
    assert [job.deleted for job in org.state.jobs.values()] == [True]


def test_an_unexpected_error_is_a_salesforce_error_of_that_entity(
    make_source: SourceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vmsdq.sources.salesforce import source as module

    def broken(*_: object) -> None:
        raise KeyError("nextRecordsUrl")

    monkeypatch.setattr(module, "read_rest", broken)
    with pytest.raises(SalesforceQueryError) as info:
        make_source().read(volunteer_entity())
    assert str(info.value) == (
        "source 'crm', entity 'volunteer' (Salesforce object Contact): unexpected KeyError: "
        "'nextRecordsUrl'"
    )
