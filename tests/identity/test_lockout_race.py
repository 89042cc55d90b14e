"""Attack: guess one account's password with many concurrent attempts, hoping the lockout counts fewer of them.

30 threads, each a wrong password from an address of its own (so the per-address limit stays out of the way), are
released together by a barrier. The count of password verifications is what an attacker gets: it must stay within
the lockout threshold, the account must end up locked, and the right password must be refused until the lock ends.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from resonance.core import security
from resonance.core.errors import Forbidden, Unauthenticated
from resonance.identity import signin
from resonance.identity.models import User
from resonance.orgs.scope import system_session
from tests.factories import PASSWORD, get, make_user

GUESSES = 30
THRESHOLD = 10  # RESONANCE_LOCKOUT_THRESHOLD's default


def sign_in(email: str, password: str, ip: str) -> User:
    with system_session() as session:
        return signin.authenticate(session=session, email=email, password=password, ip=ip)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """The password hashes argon2 was asked to verify against (the real verification runs)."""
    seen, lock, real = [], threading.Lock(), security.verify_password

    def counting(password_hash: str, password: str) -> bool:
        with lock:
            seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", counting)
    return seen


def test_30_concurrent_wrong_passwords_lock_the_account_after_at_most_10_verifications(db, clock, verifications):
    user = make_user()
    password_hash = get(User, user.id).password_hash
    start = threading.Barrier(GUESSES)

    def guess(n: int) -> str:
        start.wait(timeout=60)
        try:
            sign_in(user.email, f"wrong guess number {n}", ip=f"198.51.100.{n + 1}")
        except Forbidden:
            return "locked"
        except Unauthenticated:
            return "wrong"
        return "signed in"

    with ThreadPoolExecutor(GUESSES) as pool:
        outcomes = list(pool.map(guess, range(GUESSES)))

    assert len([h for h in verifications if h == password_hash]) <= THRESHOLD
    assert len(verifications) <= THRESHOLD  # locked attempts cost no argon2 work at all
    assert outcomes.count("signed in") == 0
    assert outcomes.count("wrong") == THRESHOLD - 1 and outcomes.count("locked") == GUESSES - THRESHOLD + 1
    assert get(User, user.id).locked_until == clock.now() + timedelta(hours=1)

    clock.advance(minutes=59, seconds=59)
    with pytest.raises(Forbidden, match="locked; try again in 1 minute"):
        sign_in(user.email, PASSWORD, ip="203.0.113.1")  # even the right password
    clock.advance(seconds=1)
    assert sign_in(user.email, PASSWORD, ip="203.0.113.1").id == user.id
    after = get(User, user.id)
    assert after.failed_signins == 0 and after.locked_until is None


def test_the_right_password_within_the_threshold_clears_the_count(db, clock):
    user = make_user()
    for n in range(THRESHOLD - 1):
        with pytest.raises(Unauthenticated):
            sign_in(user.email, f"wrong guess number {n}", ip=f"198.51.100.{n + 1}")
    assert sign_in(user.email, PASSWORD, ip="203.0.113.2").id == user.id  # the tenth attempt, and right
    after = get(User, user.id)
    assert after.failed_signins == 0 and after.locked_until is None
