"""schemathesis against /api/openapi.json with a steward's bearer token: generated requests to
every operation never get a 5xx, and every response matches the documented schema, status
codes and content types; with another tenant's admin token none gets this tenant's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from vmsdq.services import tokens
from vmsdq.services.context import open_context
from vmsdq.web import create_app
from vmsdq.web.api.spec import OPERATIONS
from vmsdq.web.testing import RecordingExecutor, build_demo, copy_project

EXAMPLES = 20
TOKENS: dict[str, str] = {}

pytestmark = pytest.mark.integration


def _app(tmp: Path) -> Any:
    source = build_demo(tmp / "source")
    project = copy_project(source, tmp / "demo")
    ctx = open_context(project)
    other = open_context(project)
    other.tenant = "other"
    TOKENS["steward"] = tokens.create_token(ctx, "schemathesis", "steward")[1]
    TOKENS["other"] = tokens.create_token(other, "outsider", "admin")[1]
    # Runs started by generated requests are recorded, not executed: this tests the contract.
    return create_app(
        {
            "VMSDQ_PROJECT": str(project),
            "VMSDQ_EXECUTOR": RecordingExecutor(),
            "VMSDQ_RATE_LIMITS": "off",  # thousands of generated requests in a minute
        }
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _app(tmp_path_factory.mktemp("schemathesis"))


@pytest.fixture(scope="module")
def operations(app: Any) -> dict[str, Any]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[operation.definition.raw["operationId"]] = operation
    return found


@pytest.mark.parametrize("name", [op.name for op in OPERATIONS])
def test_api_conforms_to_its_openapi_document(operations: dict[str, Any], name: str) -> None:
    operation = operations[name]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {TOKENS['steward']}"})
        assert response.status_code < 500, response.text[:500]
        case.validate_response(
            response,
            checks=(status_code_conformance, content_type_conformance, response_schema_conformance),
        )

    check()


PUBLIC_OPERATIONS: set[str] = set()  # every API operation needs an actor of this tenant


@pytest.mark.parametrize("name", [op.name for op in OPERATIONS])
def test_another_tenants_token_never_gets_data(operations: dict[str, Any], name: str) -> None:
    operation = operations[name]

    @given(case=operation.as_strategy())
    @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {TOKENS['other']}"})
        assert response.status_code < 500, response.text[:500]
        if name not in PUBLIC_OPERATIONS:
            assert response.status_code in (400, 403, 404, 405), response.text[:300]

    check()
