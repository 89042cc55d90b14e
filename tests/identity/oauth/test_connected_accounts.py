"""Connecting a provider to a signed-in account (start route with intent=link), and disconnecting any but the last
way to sign in (a password counts)."""

from __future__ import annotations

import pytest

from resonance.core.errors import NotFound
from resonance.identity.models import User
from resonance.identity.oauth import linking
from resonance.identity.oauth.errors import Refused
from resonance.orgs.principal import resolve
from resonance.orgs.scope import system_session
from tests.factories import make_user, random_email, start_session
from tests.identity.oauth.conftest import APP, COOKIE, github_account, query

LINK = "/api/auth/oauth/loopback/start?intent=link"

pytestmark = pytest.mark.usefixtures("db")


def sign_in_as(walker, user) -> None:
    _row, token = start_session(user)
    walker.app.cookies.set(COOKIE, token, domain="api.test")


def connected(user_id: str) -> list[tuple[str, str]]:
    with system_session() as session:
        return [(x.provider, x.email) for x in linking.connected(session=session, user_id=user_id)]


def test_signed_in_person_connects_a_provider_account_with_another_email(walker):
    user = make_user()
    sign_in_as(walker, user)
    other = random_email("elsewhere")
    url, _ = walker.sign_in_at_provider(LINK, other)
    assert url == f"{APP}/account?connected=loopback"
    assert connected(user.id) == [("loopback", other)]


def test_connecting_needs_a_signed_in_session(walker):
    response = walker.app.get(LINK)
    assert query(response.headers["location"]) == {"oauth_error": "signed_out", "provider": "loopback"}


def test_a_provider_account_connected_elsewhere_cannot_be_taken(walker, github):
    first, second = make_user(), make_user()
    github.signed_in = github_account(random_email("shared"), id=2001)
    sign_in_as(walker, first)
    walker.go(walker.app.get("/api/auth/oauth/github/start?intent=link").headers["location"])
    walker.app.cookies.clear()
    sign_in_as(walker, second)
    url, _ = walker.go(walker.app.get("/api/auth/oauth/github/start?intent=link").headers["location"])
    assert query(url) == {"oauth_error": "taken", "provider": "github"}
    assert url.startswith(f"{APP}/account?")
    assert connected(first.id) and not connected(second.id)


def test_disconnect_refuses_the_last_way_to_sign_in(walker, github):
    github.signed_in = github_account(random_email("only"), id=2002)
    walker.go(walker.app.get("/api/auth/oauth/github/start").headers["location"])  # an account with no password
    with system_session() as session:
        p = resolve(session=session, token=walker.session_cookie())
        (link,) = linking.connected(session=session, user_id=p.user_id)
    with pytest.raises(Refused) as refused, system_session() as session:
        linking.disconnect(session=session, user_id=p.user_id, identity_id=link.id)
    assert refused.value.code == "last_way"
    assert connected(p.user_id) == [("github", link.email)]


def test_disconnect_is_allowed_when_a_password_remains_and_only_for_the_owner(walker):
    user, stranger = make_user(), make_user()
    sign_in_as(walker, user)
    walker.sign_in_at_provider(LINK, random_email("spare"))
    with system_session() as session:
        (link,) = linking.connected(session=session, user_id=user.id)
    with pytest.raises(NotFound), system_session() as session:
        linking.disconnect(session=session, user_id=stranger.id, identity_id=link.id)
    with system_session() as session:
        linking.disconnect(session=session, user_id=user.id, identity_id=link.id)
    assert connected(user.id) == []


def test_a_disconnect_naming_an_id_with_a_nul_is_not_found(walker):
    """Attack: a websocket event carrying a NUL id must read as "not found", not fail the query on PostgreSQL."""
    user = make_user()
    with pytest.raises(NotFound), system_session() as session:
        linking.disconnect(session=session, user_id=user.id, identity_id="ext_\x00")


@pytest.mark.parametrize("field", ["login", "email"])
def test_provider_claims_with_control_characters_are_an_unusable_answer_or_left_out(walker, github, field):
    """Attack: a provider answer carrying NUL; the email is refused as unusable, a name with one is left out."""
    account = github_account(random_email("nul"), id=2003)
    if field == "email":
        account.emails[1]["email"] = "nul\x00" + account.emails[1]["email"]
    else:
        account.name, account.login = "Octo\x00Cat", "octo"
    github.signed_in = account
    url, _ = walker.go(walker.app.get("/api/auth/oauth/github/start").headers["location"])
    if field == "email":
        assert query(url) == {"oauth_error": "provider", "provider": "github"}
    else:
        with system_session() as session:
            p = resolve(session=session, token=walker.session_cookie())
            assert "\x00" not in session.get(User, p.user_id).name
