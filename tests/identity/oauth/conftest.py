"""Fixtures for the social sign-in tests: the loopback OpenID provider (real oidc-provider) and the GitHub fake,
both for the whole session, settings pointing the app at them, and `Walker`, a cookie-keeping HTTP client that
follows redirects between the app (in process, https://api.test) and the providers (real HTTP on loopback), logging
in at oidc-provider's development interaction pages the way a person would (any login and password)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from tests.identity.oauth.servers import GitHubAccount, GitHubFake, OidcProvider

APP = "https://app.test"  # the Reflex pages: the walk stops when it gets there
API = "https://api.test"  # the backend routes, served in process
CLIENT_ID, CLIENT_SECRET = "resonance-test", "loopback-client-secret-0123456789"
GITHUB_ID, GITHUB_SECRET = "Iv1.resonancetest", "github-client-secret-0123456789"
COOKIE = "__Host-resonance_session"


@pytest.fixture(scope="session")
def oidc():
    callbacks = [f"{API}/api/auth/oauth/{name}/callback" for name in ("loopback", "microsoft", "apple")]
    with OidcProvider([{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": callbacks}]) as op:
        yield op


@pytest.fixture(scope="session")
def github():
    fake = GitHubFake(GITHUB_ID, GITHUB_SECRET)
    yield fake
    fake.stop()


@pytest.fixture
def providers_on(configure, oidc, github):
    """The app configured with the loopback OpenID provider ("loopback") and GitHub (the fake)."""
    return configure(
        APP_URL=APP, API_URL=API,
        OIDC_PROVIDERS=json.dumps([{"name": "loopback", "label": "Loopback ID", "discovery_url": oidc.discovery_url,
                                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]),
        GITHUB_CLIENT_ID=GITHUB_ID, GITHUB_CLIENT_SECRET=GITHUB_SECRET,
        GITHUB_AUTHORIZE_URL=f"{github.url}/login/oauth/authorize",
        GITHUB_TOKEN_URL=f"{github.url}/login/oauth/access_token", GITHUB_API_URL=github.url,
    )


class Walker:
    """A browser without JavaScript: one cookie jar per site, redirects followed across sites."""

    def __init__(self, app_client: TestClient):
        self.app = app_client
        self.provider = httpx.Client(follow_redirects=False, timeout=10)
        self.visited: list[str] = []

    def request(self, method: str, url: str, data: dict | None = None) -> httpx.Response:
        client = self.app if url.startswith(API) else self.provider
        return client.request(method, url, data=data)

    def go(self, url: str, *, method: str = "GET", data: dict | None = None, stop=None) -> tuple[str, httpx.Response | None]:
        """Follow redirects from `url` until a page is shown. Returns (final URL, response); the walk stops without a
        request at the app's pages, or at the first URL for which `stop(url)` is true."""
        while True:
            self.visited.append(url)
            if url.startswith(APP) or (stop and stop(url)):
                return url, None
            response = self.request(method, url, data)
            if response.status_code not in (302, 303):
                return url, response
            url, method, data = str(httpx.URL(url).join(response.headers["location"])), "GET", None

    def sign_in_at_provider(self, start_url: str, login: str, *, stop=None, rewrite=None) -> tuple[str, httpx.Response | None]:
        """Start at the app, fill oidc-provider's login and consent forms. `rewrite(url)` may alter the provider's
        authorization URL (the attacker's move) before it is opened."""
        started = self.app.get(start_url)
        assert started.status_code == 303, started.text
        authorize = started.headers["location"]
        url, page = self.go(rewrite(authorize) if rewrite else authorize, stop=stop)
        while page is not None and page.status_code == 200 and "<form" in page.text:
            action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
            prompt = re.search(r'name="prompt" value="(\w+)"', page.text).group(1)
            fields = {"prompt": prompt, "login": login, "password": "any password"} if prompt == "login" else {"prompt": prompt}
            url, page = self.go(str(httpx.URL(url).join(action)), method="POST", data=fields, stop=stop)
        return url, page

    def session_cookie(self) -> str | None:
        return self.app.cookies.get(COOKIE)

    def close(self) -> None:
        self.provider.close()


@pytest.fixture
def walker(providers_on):
    with TestClient(build_api(), base_url=API, follow_redirects=False) as client:
        w = Walker(client)
        yield w
        w.close()


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def is_callback(url: str) -> bool:
    return url.startswith(API) and "/callback" in url


def github_account(email: str, *, verified: bool = True, id: int = 4242) -> GitHubAccount:
    return GitHubAccount(id=id, login="octo", name="Octo Cat", emails=[
        {"email": "noreply@users.github.test", "primary": False, "verified": True, "visibility": None},
        {"email": email, "primary": True, "verified": verified, "visibility": "public"},
    ])
