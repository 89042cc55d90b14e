"""The public API against hostile input, on SQLite and on PostgreSQL (which refuses NUL in text and so turned a NUL
into a 500): a schema-based fuzzer (schemathesis) against /v1/openapi.json of the running API with a valid key,
whatever it sends, valid or not, no answer is a server error; and the attack itself: NUL and other control
characters in ids in paths and queries (404, as for an unknown id) and in JSON and form fields (422 naming the
field). Examples per operation are few and derandomized, so this stays well under a minute and CI is deterministic."""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from resonance.api.v1 import V1_PARTS, V2_PARTS
from resonance.generations.models import Generation
from resonance.voices.models import Voice
from tests.api.v1.conftest import Team, make_team
from tests.factories import all_rows, make_generation
from tests.generations.conftest import ready_voice
from tests.speech_samples import speech_wav

CONTROL = "can't contain control characters or invalid Unicode."


@pytest.fixture
def team(db, base_url) -> Team:
    """This module's team, on each database (the shared fixture uses SQLite only)."""
    return make_team(base_url, "Acme")


# What a hostile client puts into ids and fields, besides whatever the fuzzer generates.
SPOILERS = ["\x00", "\x1b", "\x7f", "\x9b", "\t\n"]


def spoiled(_context, values):
    """The generated values (path parameters, query, body fields), or the same with a control character in the
    middle of one of their strings."""
    fields = [k for k, v in values.items() if isinstance(v, str)] if isinstance(values, dict) else []
    if not fields:
        return st.just(values)

    def spoil(choice: tuple[str, str]) -> dict:
        field, character = choice
        text = values[field]
        return {**values, field: text[:len(text) // 2] + character + text[len(text) // 2:]}

    return st.one_of(st.just(values), st.tuples(st.sampled_from(fields), st.sampled_from(SPOILERS)).map(spoil))


@pytest.fixture
def api_schema(team, base_url, system_voice, engine, runner, configure):  # noqa: D103
    configure(API_RATE_LIMIT="100000/60")
    loaded = schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json")
    for part in ("path_parameters", "query", "body"):
        loaded.hook(f"flatmap_{part}")(spoiled)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@pytest.mark.parametrize("db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@settings(max_examples=4, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_server_error(case, team, db):
    case.headers = {**(case.headers or {}), "xi-api-key": team.secret}  # past the key check, to the routes
    response = case.call(timeout=30)
    case.validate_response(response, checks=[not_a_server_error])


def test_the_document_covers_only_the_public_api_with_the_key_scheme(base_url, sqlite_db):
    document = httpx.get(f"{base_url}/v1/openapi.json").json()
    assert document["paths"] and all(path.startswith(("/v1/", "/v2/")) for path in document["paths"])
    assert "/v2/voices" in document["paths"] and "/v1/history/download" in document["paths"]
    # The fuzzer takes its operations from the document: so it reaches every route the API serves
    served = {(method.lower(), prefix + route.path) for prefix, parts in (("/v1", V1_PARTS), ("/v2", V2_PARTS))
              for part in parts for route in part.router.routes
              if isinstance(route, APIRoute) and route.include_in_schema for method in route.methods}
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert documented == served and ("post", "/v1/audio/speech") in documented
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "xi-api-key",
        "description": "An organization API key (`rsk_…`), created by an Admin at /settings/api-keys"}
    assert "subscription_required" in document["info"]["description"]
    tts = document["paths"]["/v1/text-to-speech/{voice_id}"]["post"]
    assert {"401", "402", "404", "422", "429"} <= set(tts["responses"])


# The attack: control characters where ids and fields enter


@pytest.fixture
def spoken(team, system_voice) -> tuple[Voice, Voice, Generation]:
    """(a built-in voice, the organization's own voice, a generation) whose ids the attacks spoil."""
    return system_voice, ready_voice(team.org, name="Studio Ada"), make_generation(team.org, system_voice)


# Percent-encoded as a client sends them: NUL, ESC, DEL and a C1 control (CSI, as UTF-8).
ID_SUFFIXES = ["%00", "%1B", "%7F", "%C2%9B"]
ID_REQUESTS = [
    ("GET", "/v1/voices/{system}", "voice_not_found"),
    ("GET", "/v1/voices/{own}", "voice_not_found"),
    ("DELETE", "/v1/voices/{own}", "voice_not_found"),
    ("POST", "/v1/text-to-speech/{system}", "voice_not_found"),
    ("POST", "/v1/text-to-speech/{system}/stream", "voice_not_found"),
    ("GET", "/v1/history/{generation}", "history_item_not_found"),
    ("GET", "/v1/history/{generation}/audio", "history_item_not_found"),
    ("DELETE", "/v1/history/{generation}", "history_item_not_found"),
    ("GET", "/v1/history?start_after_history_item_id={generation}", "history_item_not_found"),
]


@pytest.mark.parametrize("method, template, not_found", ID_REQUESTS, ids=[f"{m} {t}" for m, t, _ in ID_REQUESTS])
def test_an_id_with_a_control_character_is_not_found_and_changes_nothing(team, base_url, spoken, method, template,
                                                                         not_found):
    system, own, generation = spoken
    for suffix in ID_SUFFIXES:
        path = template.format(system=system.id + suffix, own=own.id + suffix, generation=generation.id + suffix)
        body = {"text": "Hello there."} if method == "POST" else None
        response = httpx.request(method, base_url + path, json=body, headers={"xi-api-key": team.secret}, timeout=30)
        assert response.status_code == 404, (suffix, response.text)
        assert response.json()["detail"]["status"] == not_found
    assert {v.id for v in all_rows(Voice)} == {system.id, own.id}
    assert [g.id for g in all_rows(Generation)] == [generation.id]  # nothing deleted, nothing queued


def test_a_voice_filter_with_a_control_character_matches_nothing(team, base_url, spoken):
    system, _, _ = spoken
    for suffix in ID_SUFFIXES:
        response = httpx.get(f"{base_url}/v1/history?voice_id={system.id}{suffix}", headers={"xi-api-key": team.secret})
        assert response.status_code == 200 and response.json()["history"] == []


# Raw JSON, as a client writes it: "\u0000" and a lone surrogate ("\ud800") are valid JSON escapes; the request
# model already refuses the surrogate, naming the field.
TEXTS = [("Hello\\u0000 there.", f"Text {CONTROL}"), ("Hello \\u001b[31m there.", f"Text {CONTROL}"),
         ("Hello \\u0085 there.", f"Text {CONTROL}"), ("Hello \\ud800 there.", "text: Input should be a valid string")]


@pytest.mark.parametrize("text, message", TEXTS)
def test_text_to_speak_with_a_control_character_is_refused_naming_the_field(team, base_url, spoken, text, message):
    system, _, _ = spoken
    for route in ("", "/stream"):
        response = httpx.post(f"{base_url}/v1/text-to-speech/{system.id}{route}", content=f'{{"text": "{text}"}}',
                              headers={"xi-api-key": team.secret, "content-type": "application/json"}, timeout=30)
        assert response.status_code == 422, response.text
        assert response.json()["detail"]["status"] == "invalid_request"
        assert response.json()["detail"]["message"].startswith(message)
    assert len(all_rows(Generation)) == 1  # only the fixture's


def test_a_model_id_with_a_control_character_is_no_alias(team, base_url, spoken):
    system, _, _ = spoken
    response = httpx.post(f"{base_url}/v1/text-to-speech/{system.id}", headers={"xi-api-key": team.secret},
                          json={"text": "Hello.", "model_id": "eleven_v3\x00"}, timeout=30)
    assert response.status_code == 422 and response.json()["detail"]["status"] == "model_not_found"
    assert "\\x00" in response.json()["detail"]["message"]  # shown escaped, never as the character
    assert len(all_rows(Generation)) == 1


def test_tabs_and_line_breaks_in_text_to_speak_are_text(team, base_url, spoken, engine, runner):
    system, _, _ = spoken
    body = json.dumps({"text": "First line.\n\tSecond line.\r\nThird."})
    response = httpx.post(f"{base_url}/v1/text-to-speech/{system.id}", content=body, timeout=60,
                          headers={"xi-api-key": team.secret, "content-type": "application/json"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("field, value, message", [
    ("name", "Nell\x00", f"Voice name {CONTROL}"),
    ("name", "Nell\x1b[2J", f"Voice name {CONTROL}"),
    ("description", "Warm\x00", f"Description {CONTROL}"),
    ("description", "Warm\x85and slow", f"Description {CONTROL}"),
])
def test_a_new_voice_with_a_control_character_in_a_field_is_refused_naming_it(team, base_url, field, value, message):
    data = {"name": "Nell", field: value}
    response = httpx.post(f"{base_url}/v1/voices/add", headers={"xi-api-key": team.secret}, data=data,
                          files={"files": ("nell.wav", speech_wav(12.0, 16000), "audio/wav")}, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == {"status": "invalid_request", "message": message,
                                         "request_id": response.headers["x-request-id"]}
    assert all_rows(Voice) == []
