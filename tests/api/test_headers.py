"""Security headers on every answer of the backend: API answers, refusals (also the body guard's), errors.

The pages the backend serves with `--single-port` are checked in Chromium by tests/e2e/test_security_headers.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.api.headers import PERMISSIONS, content_security_policy

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.fixture
def client(sqlite_db):
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


def assert_protected(response) -> dict[str, str]:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "microphone=(self)" in response.headers["permissions-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    return policy


def test_every_kind_of_answer_carries_the_headers(client):
    answers = [
        client.get("/v1/models"),  # 401 from the route
        client.get("/v1/models", headers={"xi-api-key": "rsk_unknown"}),
        client.post("/v1/voices/add", content=b"x" * 10, headers={"Content-Type": "multipart/form-data"}),  # guard
        client.get("/v1/openapi.json"),
        client.get("/api/audio/gen_missing"),
        client.post("/api/auth/session", content=b"x" * (300 * 1024)),  # guard: 413
        client.get("/nowhere"),  # 404
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 200, 401, 413, 404]
    for answer in answers:
        policy = assert_protected(answer)
        assert "strict-transport-security" not in answer.headers  # development, plain http
    # The development backend is its own origin: the pages at :3000 reach its websocket and routes.
    assert policy["connect-src"].split() == ["'self'", "http://localhost:3000", "http://localhost:8000",
                                             "ws://localhost:3000", "ws://localhost:8000"]


def test_hsts_only_in_production_over_https(sqlite_db, configure):
    configure(ENV="production", APP_URL="https://app.example.com", API_URL="https://app.example.com")
    with TestClient(build_api(), base_url="https://app.example.com") as http:
        answer = http.get("/v1/models")
    policy = assert_protected(answer)
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    assert policy["connect-src"].split() == ["'self'", "https://app.example.com", "wss://app.example.com"]

    configure(ENV="production", APP_URL="http://intranet.example", API_URL="http://intranet.example")
    with TestClient(build_api(), base_url="http://intranet.example") as http:
        assert "strict-transport-security" not in http.get("/v1/models").headers


def test_the_policy_allows_only_our_origins_for_scripts_and_connections():
    policy = content_security_policy(["https://app.example.com"])
    assert "https://" not in policy.split("connect-src")[0]  # no other origin may serve scripts, styles, media
    assert "form-action 'self' https://app.example.com" in policy


def test_the_proxy_examples_send_the_apps_headers_on_static_pages():
    """The Caddyfile and the nginx example serve the exported pages themselves: their headers are the app's."""
    root = Path(__file__).resolve().parents[2]
    caddy = (root / "deploy" / "Caddyfile").read_text()
    nginx = (root / "docs" / "production.md").read_text().split("```nginx", 1)[1].split("```", 1)[0]
    domain = "{$RESONANCE_DOMAIN:app.example.com}"
    for text, origin, quoted in ((caddy, f"https://{domain}", r'\s+{}\s+"([^"]*)"'),
                                 (nginx, "https://app.example.com", r'add_header\s+{}\s+"([^"]*)"')):
        expected = {"Content-Security-Policy": content_security_policy([origin]), "Permissions-Policy": PERMISSIONS,
                    **{name.title(): value for name, value in EXPECTED.items()}}
        for name, value in expected.items():
            found = re.search(quoted.format(re.escape(name)), text)
            assert found and found.group(1) == value, name
