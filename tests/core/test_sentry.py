"""Attack: read what the error tracker receives when a signed-in request fails with a secret in its URL.

The real Sentry SDK sends to a loopback HTTP server that records the envelopes (Sentry's ingest cannot be reached
from tests). The event must arrive tagged with the request id, user id and organization id, and carry no request
body, no cookies, no session token and no secret from the URL.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from starlette.testclient import TestClient

from fastapi import FastAPI

from resonance.api.app import build_api
from resonance.api.request_ids import RequestIds
from resonance.core import error_tracking, logs
from resonance.core.errors import ConfigError
from tests.core.failing_request import failing_request

TOKEN = "dG9rZW4tdmFsdWUtc2hvdWxkLW5ldmVyLXNob3c"


class Ingest:
    """A stand-in for Sentry's ingest endpoint: every envelope POSTed to it, as raw bytes."""

    def __init__(self):
        self.bodies: list[bytes] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                received.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_address[1]}/1"

    def events(self) -> list[dict]:
        return [item.payload.json for body in self.bodies for item in Envelope.deserialize(body).items
                if item.type == "event"]


@pytest.fixture
def ingest():
    server = Ingest()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def tracking(configure, ingest):
    configure(ENV="production", SENTRY_DSN=ingest.dsn)
    assert error_tracking.start()
    yield ingest
    client = sentry_sdk.get_client()
    client.close(timeout=5)
    sentry_sdk.get_global_scope().set_client(None)  # the integrations stay patched in but idle


def test_a_failed_request_reaches_sentry_tagged_and_without_body_cookies_or_secrets(sqlite_db, tracking):
    request = failing_request()
    with TestClient(build_api(), base_url="http://localhost:8000") as client:
        response = client.request("GET", f"{request.path}&token={TOKEN}", content=b'{"note": "hunter2-body"}',
                                  headers={**request.headers, "Authorization": f"Bearer {TOKEN}",
                                           "Content-Type": "application/json"})
    assert response.status_code == 502
    [event] = wait_for_events(tracking)
    assert event["tags"]["request_id"] == response.headers["x-request-id"]
    assert event["tags"]["user_id"] == request.user_id and event["tags"]["org_id"] == request.org_id
    assert "reference" in json.dumps(event["logentry"]) and event["level"] == "error"
    sent = event.get("request", {})
    assert "data" not in sent and "cookies" not in sent
    assert not {"cookie", "authorization"} & {name.lower() for name in sent.get("headers", {})}
    raw = b"".join(tracking.bodies)
    assert TOKEN.encode() not in raw and request.cookie.encode() not in raw and b"hunter2" not in raw
    assert "token=[redacted]" in sent["query_string"]


def wait_for_events(ingest: Ingest) -> list[dict]:
    sentry_sdk.flush(timeout=10)
    deadline = time.monotonic() + 10
    while not ingest.events():
        assert time.monotonic() < deadline, "no event reached the loopback ingest"
        time.sleep(0.05)
    return ingest.events()


def test_an_error_escaping_every_handler_is_still_tagged_with_its_request(tracking):
    """The server and the SDK report it after the request's log scope has closed: the error carries the scope."""
    app = FastAPI()

    @app.get("/boom")
    def boom():
        logs.identify(user_id="usr_escaped", org_id="org_escaped")
        raise RuntimeError("unexpected")

    app.add_middleware(RequestIds)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/boom", headers={"X-Request-ID": "req-escaped-01"}).status_code == 500
    [event] = [e for e in wait_for_events(tracking) if e.get("exception")]
    assert event["tags"]["request_id"] == "req-escaped-01"
    assert event["tags"]["user_id"] == "usr_escaped" and event["tags"]["org_id"] == "org_escaped"


def test_a_malformed_dsn_stops_the_start_with_a_message_naming_it(configure):
    with pytest.raises(ConfigError) as refused:
        configure(SENTRY_DSN="https://publickey@o1.ingest.sentry.io")  # no project
    message = str(refused.value)
    assert "RESONANCE_SENTRY_DSN" in message and "not a Sentry DSN" in message and "publickey" not in message


def test_without_a_dsn_nothing_starts(configure):
    assert not error_tracking.start(configure(SENTRY_DSN=None))
