"""Sign-in with an OpenID Connect provider: the real oidc-provider on loopback, the app's real routes, authlib.

Each test walks the browser's path: the app's start route, the provider's login and consent pages, the callback,
and the redirect into the app with the session cookie set exactly as password sign-in sets it.
"""

from __future__ import annotations

import httpx
import pyotp
import pytest
from sqlmodel import select

from resonance.identity import mfa
from resonance.identity.models import User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.mail.models import OutboxEmail
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from tests.factories import make_org, make_user, random_email
from tests.identity.oauth.conftest import APP, is_callback, query

START = "/api/auth/oauth/loopback/start"

pytestmark = pytest.mark.usefixtures("sqlite_db")


def links_of(user_id: str) -> list[ExternalIdentity]:
    with system_session() as session:
        return list(session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == user_id)))


def user_by_email(email: str) -> User | None:
    with system_session() as session:
        return session.exec(select(User).where(User.email == email)).first()


def test_new_person_with_a_verified_email_gets_a_verified_account_and_a_session(walker):
    email = random_email("newbie")
    url, _ = walker.sign_in_at_provider(START + "?next=/voices", email)
    assert url == f"{APP}/voices"
    user = user_by_email(email)
    assert user is not None and user.email_verified_at is not None and user.password_hash is None
    principal = from_cookie(walker.session_cookie())
    assert principal is not None and principal.user_id == user.id
    (link,) = links_of(user.id)
    assert (link.provider, link.subject, link.email_verified) == ("loopback", email, True)
    # The browser-bound state is used up: its cookie is gone.
    assert not [c for c in walker.app.cookies.jar if c.name.startswith("__Host-resonance_oauth")]


def test_authorization_request_uses_pkce_s256_state_and_nonce(walker):
    started = walker.app.get(START)
    params = query(started.headers["location"])
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["response_type"] == "code" and params["state"] and params["nonce"]
    cookie = started.headers["set-cookie"]
    assert cookie.startswith("__Host-resonance_oauth_loopback=")
    for flag in ("HttpOnly", "Secure", "Path=/", "SameSite=lax"):
        assert flag.lower() in cookie.lower()
    assert params["state"] not in cookie  # the cookie holds a signed digest of the state, not the state


def test_verified_email_signs_into_the_existing_account_in_its_last_organization(walker):
    user = make_user(email=random_email("existing"))
    org = make_org(admin=user)
    url, _ = walker.sign_in_at_provider(START, user.email)
    assert url == f"{APP}/"
    principal = from_cookie(walker.session_cookie())
    assert principal.user_id == user.id and principal.org_id == org.id
    assert [link.provider for link in links_of(user.id)] == ["loopback"]


def test_an_account_with_two_step_verification_gets_the_second_step_not_a_session(walker):
    user = make_user(email=random_email("twostep"))
    make_org(admin=user)
    with system_session() as session:
        secret = mfa.begin(session=session, user=session.get(User, user.id)).secret
    with system_session() as session:
        mfa.confirm(session=session, user_id=user.id, code=pyotp.TOTP(secret).now())
    url, _ = walker.sign_in_at_provider(START, user.email)
    assert url == f"{APP}/sign-in/two-step"
    assert walker.session_cookie() is None
    assert mfa.read_challenge(walker.app.cookies.get(mfa.CHALLENGE_COOKIE))[0] == user.id


def test_unverified_email_never_links_to_an_existing_account(walker):
    user = make_user(email=random_email("victim"))
    url, _ = walker.sign_in_at_provider(START, f"unverified:{user.email}")
    assert url == f"{APP}/verify-email?give=1"
    assert walker.session_cookie() is None and links_of(user.id) == []


def test_unverified_email_of_a_new_person_claims_nothing_and_mails_nothing(walker):
    email = random_email("unsure")
    url, _ = walker.sign_in_at_provider(START, f"unverified:{email}")
    assert url == f"{APP}/verify-email?give=1" and walker.session_cookie() is None
    assert user_by_email(email) is None
    with system_session() as session:
        assert session.exec(select(OutboxEmail).where(OutboxEmail.to == email)).all() == []


def test_wrong_state_is_refused(walker):
    callback, _ = walker.sign_in_at_provider(START, random_email("state"), stop=is_callback)
    tampered = callback.replace("state=", "state=x")
    url, _ = walker.go(tampered)
    assert query(url)["oauth_error"] == "state" and walker.session_cookie() is None


def test_missing_state_cookie_is_refused(walker):
    email = random_email("cookie")
    callback, _ = walker.sign_in_at_provider(START, email, stop=is_callback)
    walker.app.cookies.clear()  # another browser, or the cookie expired
    url, _ = walker.go(callback)
    assert query(url)["oauth_error"] == "state"
    assert user_by_email(email) is None


def test_replayed_code_is_refused_by_the_provider(walker):
    email = random_email("replay")
    callback, _ = walker.sign_in_at_provider(START, email, stop=is_callback)
    state_cookies = {c.name: c.value for c in walker.app.cookies.jar if c.name.startswith("__Host-resonance_oauth")}
    url, _ = walker.go(callback)
    assert url == f"{APP}/"
    walker.app.cookies.clear()
    for name, value in state_cookies.items():  # an attacker holding the whole request replays it
        walker.app.cookies.set(name, value, domain="api.test")
    url, _ = walker.go(callback)
    assert query(url)["oauth_error"] == "code" and walker.session_cookie() is None


def test_nonce_mismatch_is_refused(walker):
    def swap_nonce(url: str) -> str:
        return str(httpx.URL(url).copy_set_param("nonce", "attacker-chosen-nonce"))

    email = random_email("nonce")
    url, _ = walker.sign_in_at_provider(START, email, rewrite=swap_nonce)
    assert query(url)["oauth_error"] == "nonce"
    assert user_by_email(email) is None and walker.session_cookie() is None


def test_callback_also_accepts_a_form_post(walker):
    email = random_email("posted")
    callback, _ = walker.sign_in_at_provider(START, email, stop=is_callback)
    base, _, _ = callback.partition("?")
    url, _ = walker.go(base, method="POST", data=query(callback))
    assert url == f"{APP}/" and user_by_email(email) is not None


def test_unknown_provider_is_refused_with_a_message(walker):
    response = walker.app.get("/api/auth/oauth/nope/start")
    assert response.status_code == 303 and query(response.headers["location"])["oauth_error"] == "unknown"


def test_verified_email_takes_over_an_unverified_registration_without_its_password(walker):
    # Someone registered this address with a password but never proved the mailbox; its owner now signs in through
    # a provider that verified it: the owner gets in, and the stranger's password no longer works.
    squatted = make_user(email=random_email("squatted"), verified=False)
    url, _ = walker.sign_in_at_provider(START, squatted.email)
    assert url == f"{APP}/"
    user = user_by_email(squatted.email)
    assert user.id == squatted.id and user.email_verified_at is not None and user.password_hash is None
