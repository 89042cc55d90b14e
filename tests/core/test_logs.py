"""The log's shape: JSON lines in production, readable lines in development, each line of a request or event naming
its request id and caller, and secrets scrubbed whichever way they reach a line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

import pytest
import structlog
from reflex.event import Event
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core import logs, redaction
from resonance.core.failures import report
from resonance.core.redaction import DEV_OUTBOX, REDACTED
from resonance.orgs import principal as principals
from resonance.ui.event_logs import EventLogScope
from tests.core.failing_request import failing_request
from tests.factories import make_org, make_user, signed_in

KEY = "rsk_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
TOKEN = "dG9rZW4tdmFsdWUtc2hvdWxkLW5ldmVyLXNob3c"
SERVER_LOGGERS = logs._SERVER_LOGGERS


@pytest.fixture
def output(configure):
    """`output(ENV=...)`: configure the log as the app does at start, into a buffer; everything restored after."""
    root = logging.getLogger()
    saved = root.level, {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
                         for name in SERVER_LOGGERS}
    handlers = []

    def start(**settings) -> io.StringIO:
        configure(**settings)
        stream = io.StringIO()
        handlers.append(logs.configure(stream=stream))
        return stream

    yield start
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, (server_handlers, propagate) in saved[1].items():
        logging.getLogger(name).handlers[:], logging.getLogger(name).propagate = server_handlers, propagate
    redaction.uninstall()
    structlog.reset_defaults()


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object


def test_a_failed_request_is_one_json_line_with_its_request_id_caller_and_reference(sqlite_db, output):
    stream = output(ENV="production")
    request = failing_request()
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        response = client.get(request.path, headers=request.headers)
    assert response.status_code == 502
    reference = re.fullmatch(r"Failed to fetch audio\. Reference: ([0-9a-f]{8})", response.text).group(1)
    request_id = response.headers["x-request-id"]
    [line] = [line for line in json_lines(stream) if line.get("reference") == reference]
    assert line["request_id"] == request_id and re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert line["user_id"] == request.user_id and line["org_id"] == request.org_id
    assert line["level"] == "error" and line["logger"] == "resonance.api"
    assert f"(reference {reference})" in line["event"] and "Traceback" in line["exception"]
    assert request.cookie not in stream.getvalue()


def test_a_client_request_id_is_kept_only_when_it_is_a_short_safe_token(sqlite_db, output):
    stream = output(ENV="production")
    request = failing_request()
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        kept = client.get(request.path, headers={**request.headers, "X-Request-ID": "lb-7f3a9c2e-0001"})
        assert kept.headers["x-request-id"] == "lb-7f3a9c2e-0001"
        for unsafe in ('x", "user_id": "usr_admin', "short", "a" * 65, "id with spaces 123", "id;level=debug"):
            replaced = client.get(request.path, headers={**request.headers, "X-Request-ID": unsafe})
            assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["x-request-id"])
    ids = {line["request_id"] for line in json_lines(stream) if "reference" in line}
    assert "lb-7f3a9c2e-0001" in ids and len(ids) == 6
    assert all(re.fullmatch(r"[A-Za-z0-9-]{8,64}", request_id) for request_id in ids)
    assert "usr_admin" not in stream.getvalue()


def test_public_api_errors_carry_the_request_id_in_body_and_header(sqlite_db, output):
    output(ENV="production")
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        response = client.get("/v1/voices")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail["status"] == "needs_authorization"  # ElevenLabs' shape, one field more
    assert detail["request_id"] == response.headers["x-request-id"]


def test_every_response_has_a_request_id_header(sqlite_db, output):
    output(ENV="production")
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        first, second = client.get("/api/audio/gen_missing"), client.get("/api/audio/gen_missing")
    assert first.status_code == 401 and first.headers["x-request-id"] != second.headers["x-request-id"]


def test_development_lines_are_readable_text_with_the_same_fields(output):
    stream = output(ENV="development")
    log = logging.getLogger("resonance.tests.logs")
    token = logs.begin("req-dev-00000001")
    try:
        logs.identify(user_id="usr_1", org_id="org_1")
        log.info("voice %s saved", "voi_1")
    finally:
        logs.end(token)
    log.info("outside any request")
    first, second = stream.getvalue().splitlines()
    assert not first.startswith("{") and "voice voi_1 saved" in first and "[info" in first
    assert "request_id=req-dev-00000001" in first and "user_id=usr_1" in first and "org_id=org_1" in first
    assert "outside any request" in second and "request_id" not in second


def test_secrets_are_scrubbed_from_json_lines_whichever_way_they_arrive(output):
    stream = output(ENV="production")
    log = logging.getLogger("resonance.tests.logs")
    try:
        raise RuntimeError(f"upstream said Authorization: Bearer {TOKEN}")
    except RuntimeError as error:
        log.info("calling with %s", KEY)  # an argument
        log.warning(f"Sign in: https://app.test/api/auth/magic/{TOKEN}")  # the message
        report(log, error, "Something went wrong.", "speech failed")  # the traceback
        structlog.get_logger("resonance.tests.structured").error("sent", key=KEY, link=f"/invite/{TOKEN}",
                                                                 exc_info=True)  # structlog's own fields
    raw = stream.getvalue()
    assert KEY not in raw and TOKEN not in raw
    lines = json_lines(stream)
    assert len(lines) == 4 and all(REDACTED in json.dumps(line) for line in lines)
    assert lines[3]["key"] == REDACTED and lines[3]["logger"] == "resonance.tests.structured"


def test_the_development_outbox_stays_whole_in_development_only(output):
    link = f"Sign in: http://localhost:8000/api/auth/magic/{TOKEN}"
    development = output(ENV="development")
    logging.getLogger(DEV_OUTBOX).info(link)
    assert TOKEN in development.getvalue()
    production = output(ENV="production")
    logging.getLogger(DEV_OUTBOX).info(link)
    assert TOKEN not in production.getvalue() and json_lines(production)[0]["logger"] == DEV_OUTBOX


def test_a_reflex_event_gets_a_request_id_and_its_caller_once_the_session_is_read(sqlite_db, output):
    stream = output(ENV="production")
    user = make_user()
    org = make_org(admin=user)
    cookie = signed_in(user, org)[1]
    log = logging.getLogger("resonance.tests.logs")

    async def handle_event(name: str) -> None:
        # Reflex runs each event in a task of its own, the middleware first (resonance.py adds it).
        await EventLogScope().preprocess(app=None, state=None, event=Event(name=name))
        log.info("before the session is read")
        principals.from_cookie(cookie)  # as AuthState._principal does
        log.info("after")

    async def two_events() -> None:
        await asyncio.gather(asyncio.create_task(handle_event("state.voices.load")),
                             asyncio.create_task(handle_event("state.home.load")))

    asyncio.run(two_events())
    lines = json_lines(stream)
    assert len(lines) == 4 and len({line["request_id"] for line in lines}) == 2
    before = [line for line in lines if line["event"] == "before the session is read"]
    after = [line for line in lines if line["event"] == "after"]
    assert all("user_id" not in line for line in before)
    assert all(line["user_id"] == user.id and line["org_id"] == org.id for line in after)
    assert {line["reflex_event"] for line in after} == {"state.voices.load", "state.home.load"}
