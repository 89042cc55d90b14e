"""Password reset by emailed link: 10 minutes, single use, silent for unknown addresses, signs out every session and
lifts a lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resonance.core.errors import Invalid
from resonance.identity import accounts, signin
from resonance.identity.models import AuthSession, EmailToken, User
from resonance.mail.models import OutboxEmail
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, all_rows, get, last_mail, link_token, make_user, outbox, random_email, resolve, \
    start_session

NEW_PASSWORD = "a brand new passphrase 2024"

pytestmark = pytest.mark.usefixtures("sqlite_db")


def request_reset(email: str) -> None:
    with system_session() as session:
        accounts.request_password_reset(session=session, email=email)


def reset(token: str, password: str = NEW_PASSWORD) -> User:
    with system_session() as session:
        return accounts.reset_password(session=session, token=token, password=password)


def reset_token(email: str) -> str:
    return link_token(last_mail(email), "/reset-password?token=")


def can_sign_in(email: str, password: str) -> bool:
    try:
        with system_session() as session:
            signin.authenticate(session=session, email=email, password=password, ip="")
    except signin.Unauthenticated:
        return False
    return True


def test_the_reset_link_sets_a_new_password(clock):
    user = make_user()
    request_reset(f" {user.email.upper()} ")
    mail = last_mail(user.email)
    assert mail.subject == "Reset your Resonance password"
    assert "10 minutes" in mail.text
    clock.advance(minutes=9, seconds=59)

    reset(reset_token(user.email))

    assert can_sign_in(user.email, NEW_PASSWORD)
    assert not can_sign_in(user.email, PASSWORD)


def test_the_reset_link_expires_after_10_minutes(clock):
    user = make_user()
    request_reset(user.email)
    clock.advance(minutes=10)

    with pytest.raises(Invalid, match="expired"):
        reset(reset_token(user.email))
    assert get(User, user.id).password_hash == user.password_hash


def test_the_reset_link_works_once():
    user = make_user()
    request_reset(user.email)
    token = reset_token(user.email)
    reset(token)

    with pytest.raises(Invalid, match="expired or was already used"):
        reset(token, "yet another passphrase 55")
    assert can_sign_in(user.email, NEW_PASSWORD)


def test_a_weak_new_password_is_refused_and_the_link_still_works():
    user = make_user()
    request_reset(user.email)
    token = reset_token(user.email)

    with pytest.raises(Invalid, match="too common"):
        reset(token, "password1")
    reset(token)
    assert can_sign_in(user.email, NEW_PASSWORD)


@pytest.mark.parametrize("email", ["nobody-here@example.com", "not an email"])
def test_an_unknown_or_malformed_address_gets_no_error_and_no_mail(email):
    make_user()
    request_reset(email)  # no exception: the page says the same thing either way
    assert all_rows(EmailToken) == []
    assert all_rows(OutboxEmail) == []


def test_a_second_request_within_the_cooldown_is_silent_and_sends_nothing(clock):
    user = make_user()
    request_reset(user.email)
    clock.advance(seconds=10)
    request_reset(user.email)
    assert len(outbox(user.email)) == 1
    clock.advance(seconds=20)
    request_reset(user.email)
    assert len(outbox(user.email)) == 2


def test_a_reset_signs_out_every_session():
    user = make_user()
    tokens = [start_session(user)[1] for _ in range(3)]
    request_reset(user.email)

    reset(reset_token(user.email))

    assert [resolve(token) for token in tokens] == [None, None, None]
    assert all(row.revoked_at is not None for row in all_rows(AuthSession, user_id=user.id))


def test_a_reset_lifts_a_lockout_and_verifies_the_address(clock):
    user = make_user(verified=False)
    with system_session() as session:
        row = session.get(User, user.id)
        row.failed_signins, row.locked_until = 4, clock.now() + timedelta(minutes=50)
    request_reset(user.email)

    reset(reset_token(user.email))

    after = get(User, user.id)
    assert after.failed_signins == 0 and after.locked_until is None
    assert after.email_verified_at is not None  # the link proved the mailbox
    assert can_sign_in(user.email, NEW_PASSWORD)


def test_a_reset_does_not_touch_other_accounts():
    user, other = make_user(), make_user()
    other_session = start_session(other)[1]
    request_reset(user.email)
    reset(reset_token(user.email))
    assert get(User, other.id).password_hash == other.password_hash
    assert resolve(other_session) is not None


def test_a_verification_link_is_not_a_reset_link():
    email = random_email()
    with system_session() as session:
        accounts.sign_up(session=session, name="Ada", email=email, password=PASSWORD)
    with pytest.raises(Invalid):
        reset(link_token(last_mail(email), "/verify-email?token="))
