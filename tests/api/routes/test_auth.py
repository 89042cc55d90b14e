"""The backend routes that set and clear the session cookie (/api/auth/session and /api/auth/sign-out) and the one
that sets the sign-up cookie (/api/auth/sign-up).

The cookie must be `__Host-`, HttpOnly, Secure, SameSite=Lax and Path=/; tickets work once; `next` cannot leave
the app; cross-origin POSTs are refused before anything happens. Cookies are sent by hand: the test client talks
plain http, where a client would not send a Secure cookie back.
"""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core import security
from resonance.identity import accounts, sessions
from resonance.identity.models import AuthSession
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from tests.factories import all_rows, get, make_org, make_user, start_session

APP_URL = "http://localhost:3000"
API_URL = "http://localhost:8000"
COOKIE = "__Host-resonance_session"
SAME_ORIGIN = {"Origin": APP_URL}

pytestmark = pytest.mark.usefixtures("sqlite_db")


@pytest.fixture
def client():
    with TestClient(build_api(), base_url=API_URL, follow_redirects=False) as http:
        yield http


def new_ticket(user) -> str:
    with system_session() as session:
        return sessions.start(session=session, user=user, ip="203.0.113.4", user_agent="pytest")


def set_cookie_headers(response) -> list[str]:
    return [value for name, value in response.headers.multi_items() if name.lower() == "set-cookie"]


def session_cookie(response) -> tuple[str, dict[str, str], set[str]]:
    """(value, attributes lower-cased, flags) of the one Set-Cookie for the session cookie."""
    (header,) = [h for h in set_cookie_headers(response) if h.startswith(COOKIE + "=")]
    first, *parts = [p.strip() for p in header.split(";")]
    value = first.split("=", 1)[1].strip('"')
    attributes = {key.lower(): val for key, eq, val in (p.partition("=") for p in parts) if eq}
    flags = {p.lower() for p in parts if "=" not in p}
    return value, attributes, flags


def claim(client, ticket: str, next_path: str | None = "/", headers=SAME_ORIGIN, cookie: str | None = None):
    data = {"ticket": ticket} | ({"next": next_path} if next_path is not None else {})
    headers = dict(headers) | ({"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    return client.post("/api/auth/session", data=data, headers=headers)


def claimed_sessions(user) -> list[AuthSession]:
    return [row for row in all_rows(AuthSession, user_id=user.id) if row.token_hash]


# Claiming a ticket


def test_a_valid_ticket_sets_the_session_cookie_and_redirects_to_next(client):
    user = make_user()
    response = claim(client, new_ticket(user), "/settings/organization?tab=members")

    assert response.status_code == 303
    assert response.headers["location"] == APP_URL + "/settings/organization?tab=members"
    value, attributes, flags = session_cookie(response)
    assert flags >= {"httponly", "secure"}
    assert attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes  # __Host- cookies must not name a domain
    assert int(attributes["max-age"]) > 0
    principal = from_cookie(value)
    assert principal is not None and principal.user_id == user.id
    (row,) = claimed_sessions(user)
    assert principal.session_id == row.id and row.ip == "203.0.113.4"


def test_the_cookie_parses_as_one_standard_cookie(client):
    response = claim(client, new_ticket(make_user()))
    (header,) = set_cookie_headers(response)
    parsed = SimpleCookie()
    parsed.load(header)
    morsel = parsed[COOKIE]
    assert morsel["httponly"] and morsel["secure"] and morsel["path"] == "/"
    assert morsel["samesite"].lower() == "lax"


def test_without_next_the_redirect_goes_home(client):
    response = claim(client, new_ticket(make_user()), next_path=None)
    assert response.headers["location"] == APP_URL + "/"


def test_a_replayed_ticket_is_sent_back_to_sign_in_and_opens_no_session(client):
    user = make_user()
    ticket = new_ticket(user)
    first = claim(client, ticket)
    assert first.status_code == 303

    replay = claim(client, ticket)

    assert replay.status_code == 303
    assert replay.headers["location"] == APP_URL + "/sign-in?error=expired"
    value, attributes, _flags = session_cookie(replay)
    assert value == "" and attributes["max-age"] == "0"  # clears, never sets
    assert len(claimed_sessions(user)) == 1


@pytest.mark.parametrize(("ticket", "status"), [("", 303), ("garbage", 303), ("eyJhbGciOiJIUzI1NiJ9.e30.x", 303)],
                         ids=["missing", "garbage", "unsigned-jwt"])
def test_a_bad_ticket_opens_no_session(client, ticket, status):
    user = make_user()
    new_ticket(user)
    response = claim(client, ticket)
    assert response.status_code == status
    if status == 303:
        assert response.headers["location"] == APP_URL + "/sign-in?error=expired"
    assert all(not h.startswith(COOKIE + "=") or "Max-Age=0" in h for h in set_cookie_headers(response))
    assert claimed_sessions(user) == []


def test_an_expired_ticket_opens_no_session(client, clock):
    user = make_user()
    ticket = new_ticket(user)
    clock.advance(seconds=60)
    response = claim(client, ticket)
    assert response.headers["location"] == APP_URL + "/sign-in?error=expired"
    assert claimed_sessions(user) == []


@pytest.mark.parametrize("target", [
    "//evil.com", "//evil.com/path", "https://evil.com", "http://evil.com/", "/\\evil.com", "\\\\evil.com",
    "evil.com", "@evil.com", "javascript:alert(1)", "/\nLocation: https://evil.com", "",
])
def test_next_cannot_send_the_person_to_another_site(client, target):
    response = claim(client, new_ticket(make_user()), target)
    assert response.status_code == 303
    assert response.headers["location"] == APP_URL + "/"


def test_signing_in_over_an_existing_session_replaces_it(client):
    user = make_user()
    old_row, old_token = start_session(user)

    response = claim(client, new_ticket(user), cookie=old_token)

    new_value, _, _ = session_cookie(response)
    assert new_value != old_token
    assert from_cookie(old_token) is None
    assert get(AuthSession, old_row.id).revoked_at is not None
    assert from_cookie(new_value).session_id != old_row.id


# Cross-origin requests


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.com"},
    {"Origin": "http://localhost:3000.evil.com"},
    {"Origin": "null", "Referer": "https://evil.com/login"},
    {"Referer": "https://evil.com/page"},
    {"Referer": "http://localhost:3001/sign-in"},
    {},
], ids=["foreign-origin", "lookalike-origin", "null-origin-foreign-referer", "foreign-referer", "other-port",
        "no-origin-no-referer"])
def test_a_cross_origin_claim_is_refused_and_changes_nothing(client, headers):
    user = make_user()
    ticket = new_ticket(user)

    response = claim(client, ticket, headers=headers)

    assert response.status_code == 403
    assert set_cookie_headers(response) == []
    assert claimed_sessions(user) == []
    with system_session() as session:
        assert sessions.claim(session=session, ticket=ticket) is not None  # the ticket was not used up


@pytest.mark.parametrize("headers", [{"Origin": API_URL}, {"Referer": APP_URL + "/sign-in?next=/"},
                                     {"Origin": "null", "Referer": APP_URL + "/sign-in"}])
def test_the_apps_own_origins_are_accepted(client, headers):
    response = claim(client, new_ticket(make_user()), headers=headers)
    assert response.status_code == 303 and response.headers["location"] == APP_URL + "/"


def test_a_cross_origin_sign_out_is_refused_and_the_session_lives_on(client):
    user = make_user()
    row, token = start_session(user)
    response = client.post("/api/auth/sign-out", headers={"Origin": "https://evil.com", "Cookie": f"{COOKIE}={token}"})
    assert response.status_code == 403
    assert set_cookie_headers(response) == []
    assert from_cookie(token).session_id == row.id


# Signing out


def test_sign_out_revokes_the_session_row_and_clears_the_cookie(client):
    user = make_user()
    row, token = start_session(user)
    _, other_token = start_session(user)

    response = client.post("/api/auth/sign-out", headers=SAME_ORIGIN | {"Cookie": f"{COOKIE}={token}"})

    assert response.status_code == 303
    assert response.headers["location"] == APP_URL + "/sign-in"
    value, attributes, flags = session_cookie(response)
    assert value == "" and attributes["max-age"] == "0"
    assert attributes["path"] == "/" and flags >= {"httponly", "secure"}
    assert get(AuthSession, row.id).revoked_at is not None
    assert from_cookie(token) is None
    assert from_cookie(other_token) is not None  # only this browser signs out


def test_sign_out_without_a_cookie_just_clears_it(client):
    response = client.post("/api/auth/sign-out", headers=SAME_ORIGIN)
    assert response.status_code == 303
    assert session_cookie(response)[0] == ""


# Cookies that must not resolve


def test_a_tampered_cookie_resolves_to_no_one():
    user = make_user()
    _, token = start_session(user)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for forged in (flipped, token + "x", token[:-1], token.upper(), "", " ", "null"):
        assert from_cookie(forged) is None, forged
    assert from_cookie(token).user_id == user.id


def test_an_expired_cookie_resolves_to_no_one(clock):
    user = make_user()
    _, token = start_session(user)
    clock.advance(days=7, seconds=-1)
    assert from_cookie(token) is not None  # one second before the idle window closes (and that slides it)
    clock.advance(days=7)
    assert from_cookie(token) is None
    clock.advance(seconds=-timedelta(days=7).total_seconds())
    assert from_cookie(token) is None  # expired for good: the row was revoked


def test_a_revoked_cookie_resolves_to_no_one(client):
    user = make_user()
    make_org(admin=user)
    row, token = start_session(user)
    with system_session() as session:
        sessions.revoke(session=session, user_id=user.id, session_id=row.id)
    assert from_cookie(token) is None
    response = claim(client, new_ticket(user), cookie=token)  # a revoked cookie does not block signing in again
    assert from_cookie(session_cookie(response)[0]).user_id == user.id


# The sign-up cookie: the browser's secret that binds its sign-up attempts (identity/accounts.py).

SIGN_UP_COOKIE = "__Host-resonance_sign_up"


def keep_browser(client, ticket: str, headers=SAME_ORIGIN):
    return client.post("/api/auth/sign-up", data={"ticket": ticket, "next": "/verify-email?email=a%40b.co"},
                       headers=headers)


def test_a_sign_up_ticket_sets_the_sign_up_cookie_httponly_and_goes_on_to_the_verify_page(client):
    browser = security.new_token()

    response = keep_browser(client, accounts.browser_ticket(browser))

    assert response.status_code == 303 and response.headers["location"] == APP_URL + "/verify-email?email=a%40b.co"
    (header,) = [h for h in set_cookie_headers(response) if h.startswith(SIGN_UP_COOKIE + "=")]
    parts = [p.strip().lower() for p in header.split(";")]
    assert header.split(";")[0] == f"{SIGN_UP_COOKIE}={browser}"
    assert {"httponly", "secure", "path=/", "samesite=lax"} <= set(parts) and not any(
        p.startswith("domain=") for p in parts)


@pytest.mark.parametrize("ticket", ["", "forged", security.new_token()], ids=["empty", "forged", "well-formed"])
def test_a_forged_sign_up_ticket_sets_no_cookie(client, ticket):
    response = keep_browser(client, ticket)
    assert response.status_code == 303 and set_cookie_headers(response) == []


def test_a_cross_origin_sign_up_ticket_is_refused(client):
    ticket = accounts.browser_ticket(security.new_token())
    response = keep_browser(client, ticket, headers={"Origin": "https://evil.com"})
    assert response.status_code == 403 and set_cookie_headers(response) == []
