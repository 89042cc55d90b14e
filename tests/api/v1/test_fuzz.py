"""A schema-based fuzzer (schemathesis) against /v1/openapi.json of the running API, with a valid key: whatever it
sends, valid or not, no answer is a server error. Examples per operation are few, so this stays well under a minute."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture
def api_schema(team, base_url, system_voice, engine, runner, configure):  # noqa: D103
    configure(API_RATE_LIMIT="100000/60")
    return schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case, team):
    response = case.call(headers={"xi-api-key": team.secret}, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])


def test_the_document_covers_only_v1_with_the_key_scheme(base_url, sqlite_db):
    document = httpx.get(f"{base_url}/v1/openapi.json").json()
    assert document["paths"] and all(path.startswith("/v1/") for path in document["paths"])
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "xi-api-key",
        "description": "An organization API key (`rsk_…`), created by an Admin at /settings/api-keys"}
    assert "subscription_required" in document["info"]["description"]
    tts = document["paths"]["/v1/text-to-speech/{voice_id}"]["post"]
    assert {"401", "402", "404", "422", "429"} <= set(tts["responses"])
