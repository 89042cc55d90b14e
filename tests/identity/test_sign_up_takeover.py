"""Sign-up takeover by a second sign-up: each sign-up attempt is bound to the browser that made it.

The attack: the victim signs up (password V) and gets mail 1; after the resend cooldown the attacker signs up the
same address with password A, which mails a new code (mail 2) to the victim. Were the newest code to verify the
address with the password of its sign-up, the victim, typing the newest code, would hand the attacker the account.
Here a code works only in the browser that made its attempt, and a link sets its attempt's password only there.
Browsers are the secrets their HttpOnly sign-up cookies would hold.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from resonance.core import security
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, Unauthenticated
from resonance.identity import accounts, signin, tokens
from resonance.identity.models import AuthSession, EmailToken, User
from resonance.orgs.scope import system_session
from tests.factories import all_rows, code_in, last_mail, link_token, outbox, random_email, start_session

pytestmark = pytest.mark.usefixtures("db")

VICTIM_PASSWORD = "victim passphrase 31"
ATTACKER_PASSWORD = "attacker passphrase 47"
WARNING = "Someone just started another sign-up with this email address"


@pytest.fixture
def browsers():
    """Three browsers: the victim's, the attacker's, and the victim's phone (which never signed up)."""
    return {name: security.new_token() for name in ("victim", "attacker", "phone")}


def sign_up(email: str, password: str, browser: str, name: str = "Vic Tim") -> str:
    with system_session() as session:
        return accounts.sign_up(session=session, name=name, email=email, password=password, browser=browser)


def verify_code(email: str, code: str, browser: str | None) -> User:
    with system_session() as session:
        return accounts.verify_code(session=session, email=email, code=code, browser=browser)


def verify_link(mail, browser: str | None) -> User:
    with system_session() as session:
        return accounts.verify_link(session=session, token=link_token(mail, "/verify-email?token="), browser=browser)


def sign_in(email: str, password: str) -> User:
    with system_session() as session:
        return signin.authenticate(session=session, email=email, password=password, ip="198.51.100.7")


def account(email: str) -> User:
    (user,) = all_rows(User, email=email)
    return user


@pytest.fixture
def attacked(clock, browsers):
    """The victim signed up (mail 1); past the cooldown the attacker signed up the same address (mail 2)."""
    victim = random_email("victim")
    sign_up(victim, VICTIM_PASSWORD, browsers["victim"])
    clock.advance(seconds=31)
    sign_up(victim, ATTACKER_PASSWORD, browsers["attacker"], name="Mallory")
    first, second = outbox(victim)
    return victim, first, second


def assert_attacker_locked_out(email: str) -> None:
    with pytest.raises((Unauthenticated, signin.EmailNotVerified)):
        sign_in(email, ATTACKER_PASSWORD)
    user = account(email)
    assert user.password_hash is None or not security.verify_password(user.password_hash, ATTACKER_PASSWORD)


def test_the_newest_code_typed_in_the_victims_browser_is_refused_and_the_victims_own_code_sets_their_password(
        attacked, browsers):
    victim, first, second = attacked
    assert WARNING in second.text and WARNING not in first.text  # the mailbox owner learns of the second sign-up
    if code_in(second) != code_in(first):  # one in a million they are equal
        with pytest.raises(Invalid, match="not right"):
            verify_code(victim, code_in(second), browsers["victim"])
        assert account(victim).email_verified_at is None
        counted = [row for row in all_rows(EmailToken) if row.browser_hash == tokens.browser_hash(browsers["victim"])]
        assert [row.attempts for row in counted] == [1]  # a wrong guess against the victim's own attempt

    user = verify_code(victim, code_in(first), browsers["victim"])  # the second sign-up did not void it

    assert user.email_verified_at is not None and user.name == "Vic Tim"
    assert sign_in(victim, VICTIM_PASSWORD).id == user.id
    assert_attacker_locked_out(victim)
    with pytest.raises(Invalid, match="expired"):  # proving the mailbox ended every other attempt
        verify_code(victim, code_in(second), browsers["attacker"])


def test_the_newest_link_opened_by_the_victim_verifies_the_address_without_the_attackers_password(
        attacked, browsers):
    victim, _, second = attacked
    start_session(account(victim))  # whatever session an unproven claim may hold

    user = verify_link(second, browsers["victim"])

    assert user.email_verified_at is not None and user.password_hash is None and user.name == "Vic Tim"
    assert_attacker_locked_out(victim)
    with pytest.raises(Unauthenticated):
        sign_in(victim, VICTIM_PASSWORD)  # no attempt's password: the owner signs in by link or resets one
    with system_session() as session:
        alive = session.exec(select(AuthSession).where(AuthSession.user_id == user.id,
                                                       AuthSession.revoked_at.is_(None))).all()
    assert alive == []


def test_the_link_sets_its_attempts_password_only_in_the_browser_that_made_it(attacked, browsers):
    victim, first, _ = attacked
    assert verify_link(first, browsers["victim"]).password_hash is not None
    assert sign_in(victim, VICTIM_PASSWORD).email == victim
    assert_attacker_locked_out(victim)


def test_the_link_opened_on_another_device_verifies_the_address_with_no_password(clock, browsers):
    email = random_email("phone")
    sign_up(email, VICTIM_PASSWORD, browsers["victim"])

    user = verify_link(last_mail(email), browsers["phone"])

    assert user.email_verified_at is not None and user.password_hash is None
    with pytest.raises(Invalid, match="expired"):
        verify_code(email, code_in(last_mail(email)), browsers["victim"])


def test_a_code_typed_in_a_browser_that_made_no_attempt_does_not_verify(clock, browsers):
    email = random_email("nobrowser")
    sign_up(email, VICTIM_PASSWORD, browsers["victim"])
    code = code_in(last_mail(email))

    for elsewhere in (browsers["phone"], None):
        with pytest.raises(Invalid, match="expired"):
            verify_code(email, code, elsewhere)
    assert account(email).email_verified_at is None
    assert verify_code(email, code, browsers["victim"]).email_verified_at is not None


def test_when_the_attacker_signs_up_first_the_victims_attempt_still_gets_the_victims_password(clock, browsers):
    victim = random_email("squatted")
    sign_up(victim, ATTACKER_PASSWORD, browsers["attacker"], name="Mallory")
    clock.advance(seconds=31)
    sign_up(victim, VICTIM_PASSWORD, browsers["victim"])
    assert WARNING in last_mail(victim).text

    user = verify_code(victim, code_in(last_mail(victim)), browsers["victim"])

    assert user.name == "Vic Tim" and security.verify_password(user.password_hash, VICTIM_PASSWORD)
    assert_attacker_locked_out(victim)


def test_a_sign_up_within_the_cooldown_mails_nothing_and_changes_nothing(clock, browsers):
    victim = random_email("cooldown")
    sign_up(victim, VICTIM_PASSWORD, browsers["victim"])
    sign_up(victim, ATTACKER_PASSWORD, browsers["attacker"], name="Mallory")

    assert len(outbox(victim)) == 1 and account(victim).name == "Vic Tim"
    with pytest.raises(Invalid, match="expired"):
        verify_code(victim, code_in(last_mail(victim)), browsers["attacker"])
    user = verify_code(victim, code_in(last_mail(victim)), browsers["victim"])
    assert security.verify_password(user.password_hash, VICTIM_PASSWORD)
    assert_attacker_locked_out(victim)


def test_resend_renews_the_code_of_the_asking_browsers_attempt_only(attacked, browsers, clock):
    victim, first, second = attacked
    clock.advance(seconds=31)
    with system_session() as session:
        kept = accounts.resend_verification(session=session, email=victim, browser=browsers["victim"])
    assert kept == browsers["victim"]
    third = last_mail(victim)
    assert len(outbox(victim)) == 3

    if code_in(third) != code_in(first):
        with pytest.raises(Invalid, match="not right"):
            verify_code(victim, code_in(first), browsers["victim"])  # the resent code replaced this browser's
    with pytest.raises(Invalid, match="not right|expired"):
        verify_code(victim, code_in(third), browsers["attacker"])  # and is no code of the attacker's browser
    user = verify_code(victim, code_in(third), browsers["victim"])
    assert security.verify_password(user.password_hash, VICTIM_PASSWORD)
    assert_attacker_locked_out(victim)


def test_signing_in_to_a_pending_account_binds_a_code_with_that_password_to_the_browser(clock, browsers):
    email = random_email("laptop")
    sign_up(email, VICTIM_PASSWORD, browsers["victim"])
    clock.advance(seconds=31)
    with pytest.raises(signin.EmailNotVerified):
        sign_in(email, VICTIM_PASSWORD)
    with system_session() as session:  # what the sign-in page does next, in a browser that never signed up
        accounts.resend_verification(session=session, email=email, browser=browsers["phone"], password_proven=True)

    user = verify_code(email, code_in(last_mail(email)), browsers["phone"])

    assert security.verify_password(user.password_hash, VICTIM_PASSWORD)


def test_30_concurrent_wrong_codes_compare_at_most_the_attempt_limit_and_kill_the_code(clock, browsers,
                                                                                      monkeypatch):
    # The attacker's own attempt, guessed at from the attacker's browser: its code would verify the victim's address
    # with the attacker's password, so the attempt limit must hold however many guesses arrive at once.
    email = random_email("guessed")
    sign_up(email, ATTACKER_PASSWORD, browsers["attacker"])
    code, user_id, limit = code_in(last_mail(email)), account(email).id, get_settings().CODE_ATTEMPT_LIMIT
    compared, lock, real = [], threading.Lock(), security.digest

    def counting(value: str) -> str:
        if value.startswith(f"{user_id}:"):
            with lock:
                compared.append(value)
        return real(value)

    monkeypatch.setattr(security, "digest", counting)
    guesses = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 31)]
    start = threading.Barrier(len(guesses))

    def guess(wrong: str) -> str:
        start.wait(timeout=60)
        try:
            verify_code(email, wrong, browsers["attacker"])
        except Invalid as refused:
            return str(refused)
        return "verified"

    with ThreadPoolExecutor(len(guesses)) as pool:
        outcomes = list(pool.map(guess, guesses))

    assert len(compared) <= limit
    assert outcomes.count("That code is not right.") == limit - 1
    assert outcomes.count(tokens.EXPIRED) == len(guesses) - limit + 1
    (row,) = all_rows(EmailToken)
    assert row.attempts == limit and row.used_at is not None
    with pytest.raises(Invalid, match="expired"):
        verify_code(email, code, browsers["attacker"])
    assert account(email).email_verified_at is None
