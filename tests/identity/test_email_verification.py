"""Email verification: a 6-digit code and a link, valid 10 minutes, single use, resend after 30 s, and a code that
dies after a few wrong guesses. Unverified accounts cannot sign in."""

from __future__ import annotations

import pytest

from resonance.core import security
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited
from resonance.identity import accounts, signin, tokens
from resonance.identity.models import EmailToken, User
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, all_rows, code_in, last_mail, link_token, outbox, random_email

pytestmark = pytest.mark.usefixtures("sqlite_db")

BROWSER = security.new_token()  # the secret of the sign-up cookie of the browser that signed up


@pytest.fixture
def pending(clock) -> str:
    """An address that signed up (frozen clock) and waits for verification."""
    email = random_email()
    with system_session() as session:
        accounts.sign_up(session=session, name="Ada", email=email, password=PASSWORD, browser=BROWSER)
    return email


def verify_code(email: str, code: str) -> User:
    with system_session() as session:
        return accounts.verify_code(session=session, email=email, code=code, browser=BROWSER)


def verify_link(token: str) -> User:
    with system_session() as session:
        return accounts.verify_link(session=session, token=token, browser=BROWSER)


def resend(email: str) -> None:
    with system_session() as session:
        accounts.resend_verification(session=session, email=email, browser=BROWSER)


def sign_in(email: str, password: str = PASSWORD, ip: str = "198.51.100.1"):
    with system_session() as session:
        return signin.authenticate(session=session, email=email, password=password, ip=ip)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def is_verified(email: str) -> bool:
    return all_rows(User, email=email)[0].email_verified_at is not None


def test_the_emailed_code_verifies_the_address_and_then_sign_in_works(pending, clock):
    code = code_in(last_mail(pending))
    clock.advance(minutes=9, seconds=59)

    user = verify_code(pending, f" {code} ")

    assert user.email_verified_at == clock.now()
    assert is_verified(pending)
    assert sign_in(pending).email == pending


def test_the_emailed_link_verifies_the_address(pending, clock):
    clock.advance(minutes=9, seconds=59)
    verify_link(link_token(last_mail(pending), "/verify-email?token="))
    assert is_verified(pending)


def test_the_code_expires_after_10_minutes(pending, clock):
    code = code_in(last_mail(pending))
    clock.advance(minutes=10)
    with pytest.raises(Invalid, match="expired"):
        verify_code(pending, code)
    assert not is_verified(pending)


def test_the_link_expires_after_10_minutes(pending, clock):
    token = link_token(last_mail(pending), "/verify-email?token=")
    clock.advance(minutes=10)
    with pytest.raises(Invalid, match="expired"):
        verify_link(token)
    assert not is_verified(pending)


def test_the_code_and_link_work_once(pending):
    mail = last_mail(pending)
    verify_code(pending, code_in(mail))

    with pytest.raises(Invalid, match="expired or was already used"):
        verify_code(pending, code_in(mail))
    with pytest.raises(Invalid, match="expired or was already used"):
        verify_link(link_token(mail, "/verify-email?token="))
    assert all(row.used_at is not None for row in all_rows(EmailToken))


def test_a_link_token_is_stored_only_as_a_digest(pending):
    mail = last_mail(pending)
    token, code = link_token(mail, "/verify-email?token="), code_in(mail)
    (row,) = all_rows(EmailToken)
    assert token not in (row.token_hash, row.code_hash) and code not in (row.token_hash, row.code_hash or "")


def test_resend_is_refused_within_30_seconds_then_allowed_and_replaces_the_code(pending, clock):
    first = last_mail(pending)
    clock.advance(seconds=29)
    with pytest.raises(RateLimited, match="wait 1 s") as refused:
        resend(pending)
    assert refused.value.retry_after == 1
    assert len(outbox(pending)) == 1

    clock.advance(seconds=1)
    resend(pending)

    assert len(outbox(pending)) == 2
    second = last_mail(pending)
    with pytest.raises(Invalid):
        verify_link(link_token(first, "/verify-email?token="))  # the earlier link stopped working
    verify_code(pending, code_in(second))
    assert is_verified(pending)


def test_resend_for_an_unknown_or_verified_address_sends_nothing(pending):
    verify_code(pending, code_in(last_mail(pending)))
    stranger = random_email()

    resend(stranger)
    resend(pending)

    assert outbox(stranger) == []
    assert len(outbox(pending)) == 1


def test_wrong_codes_are_counted_and_the_code_dies_at_the_attempt_limit(pending):
    limit = get_settings().CODE_ATTEMPT_LIMIT
    code = code_in(last_mail(pending))

    for attempt in range(1, limit):
        with pytest.raises(Invalid, match="not right"):
            verify_code(pending, wrong(code))
        (row,) = all_rows(EmailToken)
        assert row.attempts == attempt  # kept although the verification failed
        assert row.used_at is None
    with pytest.raises(Invalid, match="expired"):
        verify_code(pending, wrong(code))

    (row,) = all_rows(EmailToken)
    assert row.attempts == limit and row.used_at is not None
    with pytest.raises(Invalid, match="expired"):
        verify_code(pending, code)  # the right code no longer works
    assert not is_verified(pending)


def test_a_code_for_an_unknown_address_reads_like_an_expired_one():
    with pytest.raises(Invalid) as unknown:
        verify_code(random_email(), "123456")
    assert str(unknown.value) == tokens.EXPIRED


def test_an_unverified_account_cannot_sign_in_even_with_the_right_password(pending):
    with pytest.raises(signin.EmailNotVerified, match="Verify your email"):
        sign_in(pending)
