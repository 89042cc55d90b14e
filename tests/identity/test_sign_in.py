"""Sign-in: one message for unknown email and wrong password, lockout per account, rate limit per IP."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type

from resonance.core import security
from resonance.core.errors import Forbidden, RateLimited, Unauthenticated
from resonance.identity import signin
from resonance.identity.models import User
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, get, make_user, random_email

_ips = (f"192.0.2.{n}" for n in itertools.count(1))


def sign_in(email: str, password: str = PASSWORD, ip: str | None = None) -> User:
    """One attempt in its own unit of work, as the sign-in page runs it (a fresh IP unless given)."""
    with system_session() as session:
        return signin.authenticate(session=session, email=email, password=password, ip=ip or next(_ips))


def fail(email: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            sign_in(email, "not the password at all")


@pytest.mark.usefixtures("sqlite_db")
def test_the_right_password_signs_in_case_insensitively():
    user = make_user()
    assert sign_in(f"  {user.email.upper()} ").id == user.id


@pytest.mark.usefixtures("sqlite_db")
def test_unknown_email_and_wrong_password_get_the_same_message():
    user = make_user()
    with pytest.raises(Unauthenticated) as wrong_password:
        sign_in(user.email, "wrong password entirely")
    with pytest.raises(Unauthenticated) as unknown_email:
        sign_in(random_email(), PASSWORD)
    with pytest.raises(Unauthenticated) as no_password:
        sign_in(make_user(password=None).email, PASSWORD)  # an account without a password

    assert str(wrong_password.value) == str(unknown_email.value) == str(no_password.value) == signin.WRONG
    assert type(wrong_password.value) is type(unknown_email.value)


def test_failed_attempts_are_counted_although_the_attempt_fails(db):
    user = make_user()
    fail(user.email, 3)
    assert get(User, user.id).failed_signins == 3


@pytest.mark.usefixtures("sqlite_db")
def test_10_failures_lock_the_account_for_1_hour_with_the_minutes_left_in_the_message(clock):
    user = make_user()
    fail(user.email, 9)
    assert get(User, user.id).locked_until is None

    with pytest.raises(Forbidden, match="locked; try again in 60 minutes"):
        sign_in(user.email, "tenth wrong password")

    locked = get(User, user.id)
    assert locked.locked_until == clock.now() + timedelta(hours=1)
    clock.advance(minutes=35)
    with pytest.raises(Forbidden, match="try again in 25 minutes"):
        sign_in(user.email, PASSWORD)  # even the right password
    clock.advance(minutes=24, seconds=30)
    with pytest.raises(Forbidden, match="try again in 1 minute\\."):
        sign_in(user.email, PASSWORD)


@pytest.mark.usefixtures("sqlite_db")
def test_the_lock_lifts_after_the_hour_and_a_success_resets_the_counter(clock):
    user = make_user()
    with system_session() as session:
        row = session.get(User, user.id)
        row.locked_until = clock.now() + timedelta(hours=1)
    clock.advance(minutes=59, seconds=59)
    with pytest.raises(Forbidden):
        sign_in(user.email)

    clock.advance(seconds=1)
    fail(user.email, 2)
    assert sign_in(user.email).id == user.id

    after = get(User, user.id)
    assert after.failed_signins == 0 and after.locked_until is None


@pytest.mark.usefixtures("sqlite_db")
def test_lockout_threshold_and_length_are_configurable(configure, clock):
    configure(LOCKOUT_THRESHOLD=2, LOCKOUT_MINUTES=5)
    user = make_user()
    fail(user.email, 1)
    with pytest.raises(Forbidden, match="try again in 5 minutes"):
        sign_in(user.email, "still wrong, second time")


@pytest.mark.usefixtures("sqlite_db")
def test_5_sign_in_starts_per_ip_in_10_seconds_then_too_many_attempts(clock):
    email = random_email()  # unknown: each start still costs the same argon2 work
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            sign_in(email, ip="203.0.113.9")
    clock.advance(seconds=3)

    with pytest.raises(RateLimited) as limited:
        sign_in(email, ip="203.0.113.9")
    assert str(limited.value) == "Too many attempts, try again in 7 s"
    assert limited.value.retry_after == 7

    with pytest.raises(Unauthenticated):
        sign_in(email, ip="203.0.113.10")  # another address is not limited
    clock.advance(seconds=7)
    with pytest.raises(Unauthenticated):
        sign_in(email, ip="203.0.113.9")  # the window has moved on


@pytest.mark.usefixtures("sqlite_db")
def test_a_rate_limited_attempt_does_not_count_towards_the_lockout(clock):
    user = make_user()
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            sign_in(user.email, "wrong password here", ip="203.0.113.20")
    with pytest.raises(RateLimited):
        sign_in(user.email, "wrong password here", ip="203.0.113.20")
    assert get(User, user.id).failed_signins == 5


@pytest.mark.usefixtures("sqlite_db")
def test_a_hash_with_other_parameters_is_upgraded_at_sign_in():
    stronger = PasswordHasher(time_cost=3, memory_cost=19456, parallelism=1, type=Type.ID).hash(PASSWORD)
    user = make_user()
    with system_session() as session:
        session.get(User, user.id).password_hash = stronger

    sign_in(user.email)

    upgraded = get(User, user.id).password_hash
    assert upgraded != stronger and not security.needs_rehash(upgraded)
    assert security.verify_password(upgraded, PASSWORD)
