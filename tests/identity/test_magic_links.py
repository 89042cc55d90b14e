"""Magic sign-in links: the same answer for every address, one mail only for accounts, limits per address and per
IP, a landing page on the app's own address that names the account and whose POST signs in once, expiry after 10
minutes, and the email verified."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core.errors import RateLimited
from resonance.identity import magic_links
from resonance.identity.models import User
from resonance.mail.models import OutboxEmail
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from resonance.ui.states.magic_link import MagicLinkState
from tests.factories import make_org, make_user, random_email
from tests.ui.states.events import fire, state_for

API = "https://api.test"
APP = "https://app.test"
COOKIE = "__Host-resonance_session"

pytestmark = pytest.mark.usefixtures("sqlite_db")


@pytest.fixture
def client(configure):
    configure(APP_URL=APP, API_URL=API)
    with TestClient(build_api(), base_url=API, follow_redirects=False) as http:
        yield http


def ask(email: str, ip: str = "198.51.100.1") -> str:
    with system_session() as session:
        return magic_links.request(session=session, email=email, ip=ip)


def mails_to(email: str) -> list[OutboxEmail]:
    with system_session() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.to == email)))


def landing_in(mail: OutboxEmail) -> str:
    """The emailed link: the app's own page, not the backend's."""
    return re.search(r"https://app\.test/sign-in/link\?token=[\w-]+", mail.text).group(0)


def link_in(mail: OutboxEmail) -> str:
    """Where the landing page's form posts."""
    return f"{API}/api/auth/magic/{landing_in(mail).rsplit('=', 1)[1]}"


def landing(url: str) -> MagicLinkState:
    page = state_for(MagicLinkState, path=url.removeprefix(APP))
    fire(page, "on_load")
    return page


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client):
    user = make_user()
    stranger = random_email("nobody")
    assert ask(user.email) == ask(stranger)
    assert "10 minutes" in ask(random_email("other"))
    (mail,) = mails_to(user.email)
    assert "sign-in link" in mail.subject.lower() and landing_in(mail)
    assert mails_to(stranger) == []


def test_following_the_link_confirms_then_signs_in_once_in_the_last_organization(client):
    user = make_user()
    org = make_org(admin=user)
    ask(user.email)
    url = landing_in(mails_to(user.email)[0])
    page = landing(url)
    assert page.email == user.email and page.action == link_in(mails_to(user.email)[0]) and not page.error
    assert landing(url).email == user.email  # opening the page again (or a mail scanner fetching it) uses nothing up
    assert from_cookie(client.cookies.get(COOKIE)) is None  # opening the link alone signs nobody in
    signed_in = client.post(page.action, headers={"Origin": APP})  # the page's form, from the app's origin
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "https://app.test/"
    principal = from_cookie(client.cookies.get(COOKIE))
    assert principal.user_id == user.id and principal.org_id == org.id
    again = client.post(page.action, headers={"Origin": APP})
    assert again.headers["location"] == "https://app.test/sign-in?oauth_error=link_expired"
    used = landing(url)
    assert (used.email, used.action) == ("", "") and "expired or was already used" in used.error


def test_a_link_of_the_backend_address_lands_on_the_app_page(client):
    user = make_user()
    ask(user.email)
    mail = mails_to(user.email)[0]
    moved = client.get(link_in(mail))
    assert moved.status_code == 303 and moved.headers["location"] == landing_in(mail)
    assert moved.headers["referrer-policy"] == "no-referrer" and from_cookie(client.cookies.get(COOKIE)) is None


def test_a_forged_token_lands_on_a_clear_refusal(client):
    for url in ("/sign-in/link?token=forged-token", "/sign-in/link"):
        page = landing(APP + url)
        assert page.action == "" and "expired or was already used" in page.error


def test_an_expired_link_is_refused(client, clock):
    user = make_user()
    ask(user.email)
    link = link_in(mails_to(user.email)[0])
    clock.advance(minutes=10, seconds=1)
    response = client.post(link, headers={"Origin": API})
    assert response.headers["location"].endswith("oauth_error=link_expired")
    assert client.cookies.get(COOKIE) is None


def test_a_cross_site_post_is_refused(client):
    user = make_user()
    ask(user.email)
    link = link_in(mails_to(user.email)[0])
    assert client.post(link, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post(link, headers={"Origin": API}).status_code == 303  # the link was not used up


def test_following_the_link_verifies_the_email_and_drops_a_password_nobody_proved(client):
    user = make_user(verified=False)  # registered by whoever typed the address; never verified
    ask(user.email)
    client.post(link_in(mails_to(user.email)[0]), headers={"Origin": API})
    with system_session() as session:
        fresh = session.get(User, user.id)
    assert fresh.email_verified_at is not None and fresh.password_hash is None
    assert from_cookie(client.cookies.get(COOKIE)).user_id == user.id


def test_requests_are_limited_per_address_whether_or_not_it_has_an_account(client, configure):
    configure(MAGIC_LINK_RATE_PER_EMAIL="2/600", MAGIC_LINK_RATE_PER_IP="100/600", EMAIL_RESEND_SECONDS=0)
    user = make_user()
    for email in (user.email, random_email("ghost")):
        ask(email, ip="198.51.100.2")
        ask(email, ip="198.51.100.3")
        with pytest.raises(RateLimited) as limited:
            ask(email, ip="198.51.100.4")
        assert "Too many sign-in link requests" in str(limited.value) and limited.value.retry_after > 0
    assert len(mails_to(user.email)) == 2


def test_requests_are_limited_per_ip(client, configure):
    configure(MAGIC_LINK_RATE_PER_IP="3/600")
    for _ in range(3):
        ask(random_email("spray"), ip="203.0.113.9")
    with pytest.raises(RateLimited):
        ask(random_email("spray"), ip="203.0.113.9")
    ask(random_email("spray"), ip="203.0.113.10")  # another client is not affected
