"""Two-step verification: setting up an authenticator (off until a first right code), ±1 step, no code twice (not
even two racing requests), single-use backup codes, the key encrypted at rest, turning off only with a code, and
signing in: after a password, an emailed link or a provider, no session until the second code, whose failures
count toward the lockout."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core.clock import clock
from resonance.core.errors import Forbidden, Invalid
from resonance.identity import magic_links, mfa, signin
from resonance.identity.models import AuthSession, TotpFactor, User
from resonance.mail.models import OutboxEmail
from resonance.orgs.scope import system_session
from resonance.ui.states.second_factor import EXPIRED, SecondFactorState
from resonance.ui.states.passkeys import PasskeysState
from resonance.ui.states.sign_in import SignInState
from resonance.ui.states.two_step import TwoStepState
from tests.factories import PASSWORD, all_rows, make_user, start_session
from tests.ui.states.events import fire, state_for

API = "https://api.test"
APP = "https://app.test"


@pytest.fixture
def client(configure):
    configure(APP_URL=APP, API_URL=API)
    with TestClient(build_api(), base_url=API, follow_redirects=False) as http:
        yield http


def code_at(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now().timestamp() + steps * mfa.STEP_SECONDS)


def enrol(user: User) -> tuple[str, list[str]]:
    """(the authenticator key, the backup codes) of `user`, two-step verification on."""
    with system_session() as session:
        secret = mfa.begin(session=session, user=session.get(User, user.id)).secret
    clock.advance(seconds=mfa.STEP_SECONDS)  # the code used to turn it on is spent; tests start from a fresh one
    with system_session() as session:
        codes = mfa.confirm(session=session, user_id=user.id, code=code_at(secret, -1))
    return secret, codes


def check(user: User, code: str) -> str | None:
    with system_session() as session:
        return mfa.verify(session=session, user_id=user.id, code=code)


@pytest.fixture
def frozen(clock):
    return clock


def test_setting_up_shows_a_qr_code_and_is_off_until_a_right_code(db, frozen):
    user = make_user()
    with system_session() as session:
        enrolment = mfa.begin(session=session, user=session.get(User, user.id))
    assert enrolment.qr_svg.startswith("data:image/svg+xml;base64,") and enrolment.uri.startswith("otpauth://totp/")
    assert f"secret={enrolment.secret}" in enrolment.uri and "issuer=Resonance" in enrolment.uri
    with system_session() as session:
        assert not mfa.enrolled(session=session, user_id=user.id)
        with pytest.raises(Invalid, match="not right"):
            mfa.confirm(session=session, user_id=user.id, code="000000" if code_at(enrolment.secret) != "000000"
                        else "111111")
    with system_session() as session:
        codes = mfa.confirm(session=session, user_id=user.id, code=code_at(enrolment.secret))
    assert len(codes) == 10 and len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    with system_session() as session:
        assert mfa.enrolled(session=session, user_id=user.id) and mfa.backup_codes_left(session=session,
                                                                                         user_id=user.id) == 10
        stored = session.get(TotpFactor, user.id).secret
    assert enrolment.secret not in stored  # encrypted at rest
    assert all(code.replace("-", "") not in str(all_rows(TotpFactor)) for code in codes)


def test_codes_of_the_step_before_and_after_work_and_none_works_twice(db, frozen):
    user = make_user()
    secret, _ = enrol(user)
    assert check(user, code_at(secret, -2)) is None  # too old
    assert check(user, code_at(secret, -1)) is None  # spent turning it on
    assert check(user, code_at(secret, 0)) == "totp"
    assert check(user, code_at(secret, 0)) is None  # replayed in its window
    assert check(user, code_at(secret, 1)) == "totp"  # a clock a step ahead
    frozen.advance(seconds=mfa.STEP_SECONDS)
    assert check(user, code_at(secret, -1)) is None  # the step just used, seen from the next one


def test_two_requests_racing_with_one_code_let_one_in(db, frozen):
    user = make_user()
    secret, _ = enrol(user)
    code = code_at(secret)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: check(user, code), range(6)))
    assert results.count("totp") == 1 and results.count(None) == 5


def test_backup_codes_work_once_in_any_case_and_renewing_voids_the_old(db, frozen):
    user = make_user()
    _, codes = enrol(user)
    assert check(user, f"  {codes[0].upper()} ") == "backup"
    assert check(user, codes[0]) is None
    with system_session() as session:
        assert mfa.backup_codes_left(session=session, user_id=user.id) == 9
        renewed = mfa.new_backup_codes(session=session, user_id=user.id)
    assert check(user, codes[1]) is None and check(user, renewed[0].replace("-", "")) == "backup"


def test_turning_off_needs_a_code(db, frozen):
    user = make_user()
    secret, _ = enrol(user)
    with system_session() as session, pytest.raises(Invalid, match="not right"):
        mfa.turn_off(session=session, user_id=user.id, code="12345")
    with system_session() as session:
        mfa.turn_off(session=session, user_id=user.id, code=code_at(secret))
    with system_session() as session:
        assert not mfa.enrolled(session=session, user_id=user.id)


def test_a_password_alone_opens_no_session_and_the_second_step_does(client, sqlite_db, frozen):
    user = make_user()
    secret, _ = enrol(user)
    answer = fire(state_for(SignInState, path="/sign-in?next=/voices"), "submit", form={"email": user.email, "password": PASSWORD})
    assert "/api/auth/second-factor" in answer and "ticket" not in answer and all_rows(AuthSession) == []
    challenge = re.search(r'"challenge":\s*"([^"]+)"', answer).group(1)
    step = client.post("/api/auth/second-factor", data={"challenge": challenge}, headers={"Origin": APP})
    assert step.status_code == 303 and step.headers["location"] == f"{APP}/sign-in/two-step"
    cookie = step.headers["set-cookie"]
    assert cookie.startswith(f"{mfa.CHALLENGE_COOKIE}=") and "HttpOnly" in cookie and "Secure" in cookie
    assert all_rows(AuthSession) == []

    page = state_for(SecondFactorState, path="/sign-in/two-step", cookies={mfa.CHALLENGE_COOKIE: challenge})
    fire(page, "on_load")
    assert not page.expired
    fire(page, "submit", form={"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert page.error == mfa.WRONG and all_rows(AuthSession) == []
    answer = fire(page, "submit", form={"code": code_at(secret)})
    assert "/api/auth/session" in answer and '"next": "/voices"' in answer
    (row,) = all_rows(AuthSession)
    assert row.user_id == user.id and row.token_hash is None  # a ticket's session, claimed by the route


def test_a_forged_or_expired_challenge_asks_to_sign_in_again(sqlite_db, frozen):
    user = make_user()
    for challenge in ("forged", mfa.challenge(user.id, "/")):
        if challenge != "forged":
            frozen.advance(seconds=mfa.CHALLENGE_LIFETIME.total_seconds() + 1)
        page = state_for(SecondFactorState, cookies={mfa.CHALLENGE_COOKIE: challenge})
        fire(page, "on_load")
        assert page.expired and page.error == EXPIRED
        fire(page, "submit", form={"code": "123456"})
        assert page.error == EXPIRED and all_rows(AuthSession) == []


def test_wrong_second_codes_lock_the_account_even_for_the_right_code(sqlite_db, frozen, configure):
    configure(LOCKOUT_THRESHOLD=3)
    user = make_user()
    secret, _ = enrol(user)
    page = state_for(SecondFactorState, cookies={mfa.CHALLENGE_COOKIE: mfa.challenge(user.id, "/")})
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    fire(page, "submit", form={"code": wrong})
    fire(page, "submit", form={"code": wrong})
    fire(page, "submit", form={"code": wrong})
    assert "locked" in page.error
    fire(page, "submit", form={"code": code_at(secret)})
    assert "locked" in page.error and all_rows(AuthSession) == []
    with system_session() as session, pytest.raises(Forbidden, match="locked"):
        mfa.verify_counted(session=session, user_id=user.id, code=code_at(secret))


def test_an_emailed_link_leads_to_the_second_step_not_a_session(client, sqlite_db, frozen):
    user = make_user()
    enrol(user)
    with system_session() as session:
        magic_links.request(session=session, email=user.email, ip="198.51.100.1")
    # (the other mail to the address says two-step verification was turned on)
    (mail,) = [m for m in all_rows(OutboxEmail) if m.to == user.email and "sign-in link" in m.subject]
    token = re.search(r"token=([\w-]+)", mail.text).group(1)
    answer = client.post(f"/api/auth/magic/{token}", headers={"Origin": APP})
    assert answer.status_code == 303 and answer.headers["location"] == f"{APP}/sign-in/two-step"
    assert mfa.CHALLENGE_COOKIE in answer.headers["set-cookie"] and all_rows(AuthSession) == []


def test_the_password_again_does_not_reopen_the_count_of_wrong_codes(sqlite_db, frozen, configure):
    """Someone holding the password guesses codes, signs in with it again, guesses on: the lock comes all the same."""
    configure(LOCKOUT_THRESHOLD=4)
    user = make_user()
    secret, _ = enrol(user)
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    guesses = []
    for _ in range(2):
        with system_session() as session:
            signin.authenticate(session=session, email=user.email, password=PASSWORD, ip="198.51.100.40")
        page = state_for(SecondFactorState, cookies={mfa.CHALLENGE_COOKIE: mfa.challenge(user.id, "/")})
        for _ in range(2):
            fire(page, "submit", form={"code": wrong})
            guesses.append(page.error)
    assert "locked" in guesses[-1]
    with system_session() as session, pytest.raises(Forbidden, match="locked"):
        signin.authenticate(session=session, email=user.email, password=PASSWORD, ip="198.51.100.41")


def test_adding_a_way_to_sign_in_needs_a_recent_sign_in(sqlite_db, frozen):
    """A stolen, older session cookie cannot plant an authenticator, a passkey or backup codes of its own."""
    user = make_user()
    _, token = start_session(user)
    frozen.advance(minutes=16)
    two_step = state_for(TwoStepState, token, path="/account")
    assert "sign in again" in fire(two_step, "start") and two_step.qr == ""
    keys = state_for(PasskeysState, token, path="/account")
    fire(keys, "start_add")
    assert "sign in again" in keys.error and not keys.adding
    assert all_rows(TotpFactor) == []
    _, fresh = start_session(user)
    assert "sign in again" not in fire(state_for(TwoStepState, fresh, path="/account"), "start")
    assert len(all_rows(TotpFactor)) == 1
