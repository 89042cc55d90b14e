"""A provider that is down, slow or answering garbage: every step (discovery, token, key set, GitHub's API) ends on
the sign-in page with "Couldn't reach <provider>. Try again." and a log line naming the step, never a 500 and never
the code or a token in the log."""

from __future__ import annotations

import json
import logging

import pytest

from resonance.identity.oauth import errors, providers
from tests.factories import random_email
from tests.identity.oauth.conftest import API, APP, CLIENT_ID, CLIENT_SECRET, github_account, is_callback, query
from tests.identity.oauth.servers import BrokenProvider, OidcProvider

pytestmark = pytest.mark.usefixtures("sqlite_db")

CODE = "code-that-must-stay-out-of-logs"
UNREACHABLE = {"oauth_error": "unreachable", "provider": "broken"}


@pytest.fixture(scope="module")
def broken():
    server = BrokenProvider()
    yield server
    server.stop()


@pytest.fixture
def broken_on(providers_on, configure, broken, caplog):
    """The broken provider beside the loopback one; a one-second client timeout so "never answers" ends soon."""
    broken.modes.clear()
    caplog.set_level(logging.WARNING, logger="resonance.identity.oauth")
    return configure(OAUTH_HTTP_TIMEOUT_SECONDS=1, OIDC_PROVIDERS=json.dumps([
        {"name": "broken", "label": "Broken ID", "discovery_url": broken.discovery_url, "client_id": CLIENT_ID,
         "client_secret": CLIENT_SECRET}]))


def callback_with_code(walker, name: str = "broken") -> str:
    """What the provider would send back: the real state of a started sign-in, with a code."""
    started = walker.app.get(f"/api/auth/oauth/{name}/start")
    assert started.status_code == 303
    state = query(started.headers["location"])["state"]
    url, _ = walker.go(f"{API}/api/auth/oauth/{name}/callback?code={CODE}&state={state}")
    return url


def assert_refused_as_unreachable(walker, url: str, caplog, step: str, provider: str = "broken") -> None:
    assert url.startswith(f"{APP}/sign-in?") and query(url) == {**UNREACHABLE, "provider": provider}
    assert errors.message("unreachable", providers.label(provider)) == (
        f"Couldn't reach {providers.label(provider)}. Try again.")
    assert walker.session_cookie() is None
    assert f"the {step} step failed" in caplog.text and CODE not in caplog.text


def test_provider_stopped_between_redirect_and_callback(providers_on, configure, walker, caplog):
    caplog.set_level(logging.WARNING, logger="resonance.identity.oauth")
    callbacks = [f"{API}/api/auth/oauth/loopback/callback"]
    with OidcProvider([{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": callbacks}]) as op:
        configure(OIDC_PROVIDERS=json.dumps([{"name": "loopback", "label": "Loopback ID",
                                             "discovery_url": op.discovery_url, "client_id": CLIENT_ID,
                                             "client_secret": CLIENT_SECRET}]))
        callback, _ = walker.sign_in_at_provider("/api/auth/oauth/loopback/start", random_email("gone"),
                                                 stop=is_callback)
        op.stop()  # the person approved at the provider; the provider goes down before the code is redeemed
        url, _ = walker.go(callback)
    assert_refused_as_unreachable(walker, url, caplog, "token", provider="loopback")
    assert query(callback)["code"] not in caplog.text


def test_garbage_token_response(broken_on, broken, walker, caplog):
    broken.modes["/token"] = "garbage"
    assert_refused_as_unreachable(walker, callback_with_code(walker), caplog, "token")


def test_token_endpoint_that_never_answers(broken_on, broken, walker, caplog):
    broken.modes["/token"] = "hang"
    assert_refused_as_unreachable(walker, callback_with_code(walker), caplog, "token")
    assert "ReadTimeout" in caplog.text


def test_garbage_key_set(broken_on, broken, walker, caplog):
    broken.modes["/token"] = {"access_token": "at-secret", "token_type": "Bearer", "id_token": "e30.e30.sig"}
    broken.modes["/jwks"] = "garbage"
    assert_refused_as_unreachable(walker, callback_with_code(walker), caplog, "key set")
    assert "at-secret" not in caplog.text


def test_unusable_discovery_document_at_the_start(broken_on, broken, configure, walker, caplog):
    broken.modes["/listed"] = ["not", "a", "document"]
    configure(OIDC_PROVIDERS=json.dumps([{"name": "broken", "label": "Broken ID", "client_id": CLIENT_ID,
                                         "discovery_url": f"{broken.url}/listed", "client_secret": CLIENT_SECRET}]))
    response = walker.app.get("/api/auth/oauth/broken/start")
    assert response.status_code == 303
    assert_refused_as_unreachable(walker, response.headers["location"], caplog, "discovery")


def test_discovery_that_never_answers_at_the_start(broken_on, broken, configure, walker, caplog):
    broken.modes["/slow"] = "hang"
    configure(OIDC_PROVIDERS=json.dumps([{"name": "broken", "label": "Broken ID", "client_id": CLIENT_ID,
                                         "discovery_url": f"{broken.url}/slow", "client_secret": CLIENT_SECRET}]))
    response = walker.app.get("/api/auth/oauth/broken/start")
    assert_refused_as_unreachable(walker, response.headers["location"], caplog, "discovery")


@pytest.mark.parametrize("mode", ["garbage", "hang"])
def test_github_user_call_failing(broken_on, broken, configure, github, walker, caplog, mode):
    broken.modes["/user"] = mode
    configure(GITHUB_API_URL=broken.url)  # the token exchange works (the fake); the API does not
    github.signed_in = github_account(random_email("octo"), id=3001)
    url, _ = walker.go(walker.app.get("/api/auth/oauth/github/start").headers["location"])
    assert_refused_as_unreachable(walker, url, caplog, "user", provider="github")
    assert not any(token in caplog.text for token in github.tokens)
