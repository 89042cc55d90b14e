"""Sign-in with GitHub (OAuth 2, no OpenID): the loopback fake answers as GitHub's API documents, authlib drives it.
The email comes from GET /user/emails: the primary address, verified only when GitHub says so."""

from __future__ import annotations

import pytest
from sqlmodel import select

from resonance.identity.models import User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from tests.factories import make_user, random_email
from tests.identity.oauth.conftest import APP, github_account, is_callback, query

START = "/api/auth/oauth/github/start"

pytestmark = pytest.mark.usefixtures("sqlite_db")


def test_verified_primary_email_creates_a_verified_account(walker, github):
    email = random_email("octo")
    github.signed_in = github_account(email, id=1001)
    started = walker.app.get(START)
    params = query(started.headers["location"])
    assert params["code_challenge_method"] == "S256" and "nonce" not in params
    url, _ = walker.go(started.headers["location"])
    assert url == f"{APP}/"
    with system_session() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        link = session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)).one()
    assert user.email_verified_at is not None and user.name == "Octo Cat"
    assert (link.provider, link.subject) == ("github", "1001")
    assert from_cookie(walker.session_cookie()).user_id == user.id
    assert github.token_requests[-1]["code_verifier"]  # PKCE verifier sent with the code


def test_unverified_primary_email_never_reaches_an_existing_account(walker, github):
    user = make_user(email=random_email("owner"))
    github.signed_in = github_account(user.email, verified=False, id=1002)
    url, _ = walker.go(walker.app.get(START).headers["location"])
    assert url == f"{APP}/verify-email?give=1"  # an account without email, asked for one
    assert walker.session_cookie() is None
    with system_session() as session:
        assert session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)).all() == []


def test_replayed_code_is_refused(walker, github):
    github.signed_in = github_account(random_email("again"), id=1003)
    callback, _ = walker.go(walker.app.get(START).headers["location"], stop=is_callback)
    state = {c.name: c.value for c in walker.app.cookies.jar if c.name.startswith("__Host-resonance_oauth")}
    assert walker.go(callback)[0] == f"{APP}/"
    walker.app.cookies.clear()
    for name, value in state.items():
        walker.app.cookies.set(name, value, domain="api.test")
    url, _ = walker.go(callback)
    assert query(url)["oauth_error"] == "code" and walker.session_cookie() is None


def test_the_same_github_account_signs_in_again_as_the_same_user(walker, github):
    github.signed_in = github_account(random_email("twice"), id=1004)
    walker.go(walker.app.get(START).headers["location"])
    first = from_cookie(walker.session_cookie()).user_id
    github.signed_in = github_account(random_email("renamed"), id=1004)  # changed their email on GitHub since
    walker.go(walker.app.get(START).headers["location"])
    assert from_cookie(walker.session_cookie()).user_id == first
