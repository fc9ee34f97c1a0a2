"""Schemathesis against the live server's own OpenAPI document: generated requests, valid and
invalid, never get a 500, and every answer matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from prismq_desktop.api import ApiServer
from tests.api.conftest import TOKENS

AUTH = {"Authorization": f"Bearer {TOKENS.full}"}


@pytest.fixture
def api_schema(server: ApiServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", headers=AUTH)


# the event stream never ends: test_api_events.py tests it
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/events")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error, response_schema_conformance,
                                                  status_code_conformance])
