"""Builders for the Salesforce tests: a small fake org, entity specs and sources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from vmsdq.core.workspace import Workspace
from vmsdq.demo.salesforce.fake_server import FakeCredentials, FakeSalesforce
from vmsdq.reconcile.salesforce_ids import to_18
from vmsdq.sources.salesforce import SalesforceSource
from vmsdq.sources.salesforce.client import RetryPolicy
from vmsdq.sources.salesforce.reader import BulkOptions
from vmsdq.spec.models import EntitySpec, SalesforceSourceSpec

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FAST_RETRY = RetryPolicy(max_attempts=3, backoff=0.001, max_wait=0.01)
FAST_BULK = BulkOptions(page_size=4, poll_first=0.001, poll_max=0.005, timeout=10)


def sfid(prefix: str, number: int) -> str:
    """A valid 18-character Id, e.g. ``sfid("003", 7)`` = ``003000000000007AAA``."""
    return to_18(f"{prefix}{number:012d}")


def contacts(n: int, *, deleted: int = 0, staff: int = 0, start: int = 0) -> pa.Table:
    """``n`` volunteer contacts (+ ``staff`` staff); the last ``deleted`` are in the bin."""
    total = n + staff
    ids = [sfid("003", i + start) for i in range(total)]
    return pa.table(
        {
            "Id": ids,
            "FirstName": [f"First{i + start}" for i in range(total)],
            "LastName": [f"O'Last{i + start}" for i in range(total)],
            "Email": [f"v{i + start}@example.org" for i in range(total)],
            "Hours__c": pa.array([float(i) for i in range(total)]),
            "Birthdate": pa.array([T0.date() - timedelta(days=9000 + i) for i in range(total)]),
            "Contact_Type__c": ["Volunteer"] * n + ["Staff"] * staff,
            "SystemModstamp": pa.array(
                [T0 + timedelta(minutes=i) for i in range(total)], pa.timestamp("ms", "UTC")
            ),
            "IsDeleted": [False] * (n - deleted) + [True] * deleted + [False] * staff,
        }
    )


def accounts(n: int) -> pa.Table:
    return pa.table(
        {"Id": [sfid("001", i) for i in range(n)], "Name": [f"Org {i}" for i in range(n)]}
    )


def volunteer_entity(where: str | None = "Contact_Type__c = 'Volunteer'") -> EntitySpec:
    return EntitySpec.model_validate(
        {
            "entity": "volunteer",
            "key": "id",
            "fields": {
                "id": {"type": "integer"},
                "salesforce_id": {},
                "first_name": {},
                "last_name": {},
                "email": {},
                "hours": {"type": "integer"},
                "birth_date": {"type": "date"},
            },
            "mirror": {
                "object": "Contact",
                "where": where,
                "match_on": "salesforce_id",
                "fields": {
                    "first_name": "FirstName",
                    "last_name": {"field": "LastName", "normalize": ["trim"]},
                    "email": "Email",
                    "hours": "Hours__c",
                    "birth_date": "Birthdate",
                },
            },
        }
    )


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    objects = {
        "Contact": contacts(10, deleted=2, staff=3),
        "Account": accounts(5),
        "Session__c": pa.table({"Id": [sfid("a01", 1)], "Name": ["Career day"]}),
        "Session_Participant__c": pa.table({"Id": [sfid("a02", 1)]}),
    }
    with FakeSalesforce(objects, batch_size=3, credentials=FakeCredentials()) as fake:
        yield fake


SourceFactory = Callable[..., SalesforceSource]


@pytest.fixture
def make_source(
    org: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SourceFactory:
    """A source pointed at ``org`` (client credentials from the environment by default)."""

    def build(
        bulk_threshold: int = 1000, auth: str = "client_credentials", lookback: int = 600,
        **kwargs: Any,
    ) -> SalesforceSource:  # fmt: skip
        for name, value in org.source_env("SFTEST_").items():
            monkeypatch.setenv(name, value)
        spec = SalesforceSourceSpec.model_validate(
            {
                "type": "salesforce",
                "auth": auth,
                "domain": org.url,
                "env_prefix": "SFTEST_",
                "bulk_threshold": bulk_threshold,
                "lookback_seconds": lookback,
            }
        )
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("bulk", FAST_BULK)
        return SalesforceSource(
            "crm", spec, root=tmp_path, workspace=Workspace.at(tmp_path / "art"), **kwargs
        )

    return build
