"""Pre-account takeover through social sign-in, tried end to end through the loopback OpenID provider (the real
oidc-provider), on SQLite and PostgreSQL.

The attacker's provider account reports the victim's address without verifying it. It must never become a claim
on that address: the provider account gets an account without email, whose owner gives an address and proves it.
And whoever proves a mailbox (code, link, magic link, reset) drops every claim on it nobody proved.
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import select

from resonance.core import security
from resonance.core.errors import Invalid
from resonance.identity import accounts, magic_links, tokens
from resonance.identity.models import AuthSession, User
from resonance.identity.oauth import linking
from resonance.identity.oauth.flow import ProviderIdentity
from resonance.identity.oauth.models import ExternalIdentity
from resonance.orgs.principal import from_cookie
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, code_in, last_mail, make_user, outbox, random_email, start_session
from tests.identity.oauth.conftest import APP, github_account

START = "/api/auth/oauth/loopback/start"

pytestmark = pytest.mark.usefixtures("db")


def user_by_email(email: str) -> User | None:
    with system_session() as session:
        return session.exec(select(User).where(User.email == email)).first()


def linked_user(provider: str, subject: str) -> User | None:
    with system_session() as session:
        link = session.exec(select(ExternalIdentity).where(ExternalIdentity.provider == provider,
                                                            ExternalIdentity.subject == subject)).first()
        return session.get(User, link.user_id) if link else None


def token_after(mail, marker: str) -> str:
    return re.search(re.escape(marker) + r"([A-Za-z0-9_\-]+)", mail.text).group(1)


def claim_of(walker) -> tuple[str, str]:
    claim = linking.read_email_claim(walker.app.cookies.get(linking.EMAIL_CLAIM_COOKIE))
    assert claim is not None
    return claim


def test_attacker_with_an_unverified_victim_address_never_lands_in_the_victims_account(walker, clock):
    victim = random_email("victim")
    login = f"unverified:{victim}"  # the attacker's provider account claims the victim's address, unverified

    # 1. The attacker signs in first.
    walker.sign_in_at_provider(START, login)
    assert walker.session_cookie() is None

    # 2. The victim signs up with a password and verifies the address.
    with system_session() as session:
        browser = accounts.sign_up(session=session, name="Victim", email=victim, password=PASSWORD)
    with system_session() as session:
        accounts.verify_code(session=session, email=victim, code=code_in(last_mail(victim)), browser=browser)
    owner = user_by_email(victim)
    assert owner.email_verified_at is not None

    # 3. The attacker signs in again through the provider: never into the victim's account.
    walker.app.cookies.clear()
    url, _ = walker.sign_in_at_provider(START, login)
    principal = from_cookie(walker.session_cookie())
    assert principal is None or principal.user_id != owner.id
    assert linked_user("loopback", login).id != owner.id
    with system_session() as session:
        assert session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == owner.id)).all() == []
        assert session.exec(select(AuthSession).where(AuthSession.user_id == owner.id)).all() == []
    # It is the attacker's own account without email, asked for one, and nothing was ever mailed for it.
    assert url == f"{APP}/verify-email?give=1" and principal is None
    squat = linked_user("loopback", login)
    assert squat.email is None and squat.email_verified_at is None and len(outbox(victim)) == 1

    # Giving the victim's address mails the code to the victim, which the attacker does not have.
    clock.advance(seconds=31)
    user_id, _ = claim_of(walker)
    with system_session() as session:
        accounts.request_email(session=session, user_id=user_id, email=victim)
    with pytest.raises(Invalid), system_session() as session:
        accounts.verify_claimed_email(session=session, user_id=user_id, code="000000")
    assert user_by_email(victim).id == owner.id


def test_unverified_address_gets_an_account_without_email_that_must_give_and_verify_one(walker, clock):
    login = f"unverified:{random_email('unsure')}"
    url, _ = walker.sign_in_at_provider(START + "?next=/voices", login)
    assert url == f"{APP}/verify-email?give=1&next=/voices" and walker.session_cookie() is None
    user_id, provider = claim_of(walker)
    assert provider == "loopback" and linked_user("loopback", login).id == user_id

    mine = random_email("mine")
    with system_session() as session:
        assert accounts.request_email(session=session, user_id=user_id, email=f"  {mine.upper()} ") == mine
    with system_session() as session:
        assert session.get(User, user_id).email is None  # nothing is claimed before the code comes back
    with system_session() as session:
        user = accounts.verify_claimed_email(session=session, user_id=user_id, code=code_in(last_mail(mine)))
        assert (user.id, user.email) == (user_id, mine) and user.email_verified_at is not None

    walker.app.cookies.clear()
    url, _ = walker.sign_in_at_provider(START, login)  # from now on the provider signs straight in
    assert url == f"{APP}/" and from_cookie(walker.session_cookie()).user_id == user_id


def test_a_given_address_gets_a_code_and_no_link_a_click_could_hand_over(walker):
    """Attack: give the victim's address to an account of one's own, and hope the victim follows the mail's link."""
    walker.sign_in_at_provider(START, f"unverified:{random_email('linky')}")
    user_id, _ = claim_of(walker)
    victim = make_user(verified=False)
    with system_session() as session:
        accounts.request_email(session=session, user_id=user_id, email=victim.email)
    mail = last_mail(victim.email)
    assert "/verify-email?token=" not in mail.text and "If it wasn't you, ignore this email" in mail.text
    code = code_in(mail)
    with pytest.raises(Invalid), system_session() as session:  # the code typed on the victim's own verify page
        accounts.verify_code(session=session, email=victim.email, code=code)
    with system_session() as session:
        claimant = session.get(User, user_id)
        assert claimant.email is None and session.get(User, victim.id).email_verified_at is None


def test_a_link_token_of_a_given_address_proves_nothing(walker):
    """Even a link token of a given address (never mailed) is refused, and the address stays with nobody."""
    walker.sign_in_at_provider(START, f"unverified:{random_email('linky')}")
    user_id, _ = claim_of(walker)
    with system_session() as session:
        user = session.get(User, user_id)
        issued = tokens.issue(session=session, user=user, purpose=tokens.VERIFY_EMAIL, with_code=True,
                              email=random_email("given"))
    with pytest.raises(Invalid), system_session() as session:
        accounts.verify_link(session=session, token=issued.token)
    with system_session() as session:
        assert session.get(User, user_id).email is None


def test_a_given_address_of_a_verified_account_is_refused_not_merged(walker):
    owner = make_user(email=random_email("owner"))
    walker.sign_in_at_provider(START, f"unverified:{random_email('other')}")
    user_id, _ = claim_of(walker)
    with system_session() as session:
        accounts.request_email(session=session, user_id=user_id, email=owner.email)  # same answer as any address
    code = code_in(last_mail(owner.email))
    with pytest.raises(Invalid, match="belongs to another account") as refused, system_session() as session:
        accounts.verify_claimed_email(session=session, user_id=user_id, code=code, provider="Loopback ID")
    assert "connect Loopback ID" in str(refused.value)
    with system_session() as session:
        assert session.get(User, user_id).email is None
        assert session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == owner.id)).all() == []


def test_a_given_address_drops_an_unverified_registration_of_it(walker):
    address = random_email("pending")
    with system_session() as session:
        accounts.sign_up(session=session, name="Squatter", email=address, password="squatter passphrase 42")
    walker.sign_in_at_provider(START, f"unverified:{random_email('giver')}")
    user_id, _ = claim_of(walker)
    with system_session() as session:
        accounts.request_email(session=session, user_id=user_id, email=address)
    with system_session() as session:
        accounts.verify_claimed_email(session=session, user_id=user_id, code=code_in(last_mail(address)))
    assert user_by_email(address).id == user_id


def _legacy_squat(email: str, subject: str) -> User:
    """What the old rules left behind: an unverified user of the victim's address, linked to the attacker's
    provider account (unverified email), with a session."""
    squat = make_user(email=email, verified=False, password="attacker passphrase 1")
    with system_session() as session:
        session.add(ExternalIdentity(user_id=squat.id, provider="loopback", subject=subject, email=email,
                                     email_verified=False))
        session.add(AuthSession(user_id=squat.id, token_hash=security.digest("attacker-cookie")))
    return squat


@pytest.mark.parametrize("proof", ["sign-up code", "magic link", "password reset"])
def test_proving_the_mailbox_drops_every_unproven_claim_on_it(walker, clock, proof):
    victim = random_email("victim")
    login = f"unverified:{victim}"
    squat = _legacy_squat(victim, login)
    browser = None
    with system_session() as session:
        if proof == "sign-up code":
            browser = accounts.sign_up(session=session, name="Victim", email=victim, password="victim passphrase 2")
        elif proof == "magic link":
            magic_links.request(session=session, email=victim, ip="198.51.100.9")
        else:
            accounts.request_password_reset(session=session, email=victim)
    mail = last_mail(victim)
    with system_session() as session:
        if proof == "sign-up code":
            accounts.verify_code(session=session, email=victim, code=code_in(mail), browser=browser)
        elif proof == "magic link":
            magic_links.consume(session=session, token=token_after(mail, "/sign-in/link?token="))
        else:
            accounts.reset_password(session=session, token=token_after(mail, "/reset-password?token="),
                                    password="victim passphrase 2")
    with system_session() as session:
        owner = session.get(User, squat.id)
        assert owner.email_verified_at is not None
        assert session.exec(select(ExternalIdentity).where(ExternalIdentity.user_id == owner.id)).all() == []
        assert all(s.revoked_at is not None
                   for s in session.exec(select(AuthSession).where(AuthSession.user_id == owner.id)))
        assert owner.password_hash is None or not security.verify_password(owner.password_hash,
                                                                             "attacker passphrase 1")
    assert from_cookie("attacker-cookie") is None
    url, _ = walker.sign_in_at_provider(START, login)  # the attacker's provider account: never the victim's
    assert url == f"{APP}/verify-email?give=1" and linked_user("loopback", login).id != squat.id


def test_a_later_sign_up_of_a_pending_address_cannot_swap_its_password_in(clock):
    # The victim signs up; within the resend cooldown the attacker signs up the same address with their password
    # (after it: tests/identity/test_sign_up_takeover.py).
    victim = random_email("victim")
    with system_session() as session:
        browser = accounts.sign_up(session=session, name="Victim", email=victim, password="victim passphrase 3")
    with system_session() as session:
        accounts.sign_up(session=session, name="Victim", email=victim, password="attacker passphrase 3")
    assert len(outbox(victim)) == 1
    with system_session() as session:
        user = accounts.verify_code(session=session, email=victim, code=code_in(last_mail(victim)), browser=browser)
        assert security.verify_password(user.password_hash, "victim passphrase 3")
        assert not security.verify_password(user.password_hash, "attacker passphrase 3")


def test_provider_verified_email_rules(walker, github):
    # GitHub: only a verified primary address is claimed; an unverified one gets an account without email.
    victim = make_user(email=random_email("gh-victim"))
    github.signed_in = github_account(victim.email, verified=False, id=5001)
    url, _ = walker.go(walker.app.get("/api/auth/oauth/github/start").headers["location"])
    assert url == f"{APP}/verify-email?give=1" and linked_user("github", "5001").email is None


def test_sign_in_rules_for_each_kind_of_identity():
    """linking.sign_in directly: verified email claims; unverified or missing email never does."""
    owner = make_user(email=random_email("direct"))
    for email, verified in ((owner.email, False), ("", False), ("", True)):
        identity = ProviderIdentity("loopback", f"s-{email}-{verified}", email, verified, "")
        with system_session() as session:
            user = linking.sign_in(session=session, identity=identity, label="Loopback ID")
            assert user.id != owner.id and user.email is None and user.name
    with system_session() as session:
        identity = ProviderIdentity("loopback", "s-verified", owner.email, True, "")
        assert linking.sign_in(session=session, identity=identity, label="Loopback ID").id == owner.id


def test_connecting_takes_the_provider_account_from_an_unfinished_account_without_email(walker):
    login = f"unverified:{random_email('later')}"
    walker.sign_in_at_provider(START, login)  # never gave an address
    unfinished = linked_user("loopback", login)
    owner = make_user()
    walker.app.cookies.clear()
    _row, token = start_session(owner)
    walker.app.cookies.set("__Host-resonance_session", token, domain="api.test")
    url, _ = walker.sign_in_at_provider(START + "?intent=link", login)
    assert url == f"{APP}/account?connected=loopback" and linked_user("loopback", login).id == owner.id
    with system_session() as session:
        assert session.get(User, unfinished.id) is None


def test_two_accounts_giving_the_same_address_at_once_one_gets_it_the_other_is_refused():
    address = random_email("contested")
    codes = {}
    for n in range(2):
        with system_session() as session:
            user = User(email=None, name=f"Giver {n}")
            session.add(user)
            session.flush()
            codes[user.id] = tokens.issue(session=session, user=user, purpose=tokens.VERIFY_EMAIL, with_code=True,
                                          email=address).code
    barrier, outcomes = threading.Barrier(2), {}

    def give(user_id: str, code: str) -> None:
        barrier.wait(timeout=30)
        try:
            with system_session() as session:
                accounts.verify_claimed_email(session=session, user_id=user_id, code=code)
            outcomes[user_id] = "got it"
        except Invalid as error:
            outcomes[user_id] = str(error)

    threads = [threading.Thread(target=give, args=item) for item in codes.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [u for u, outcome in outcomes.items() if outcome == "got it"]
    losers = [outcome for outcome in outcomes.values() if outcome != "got it"]
    assert len(winners) == 1 and len(losers) == 1 and "belongs to another account" in losers[0]
    (winner,) = winners
    assert user_by_email(address).id == winner
