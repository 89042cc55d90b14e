"""The pages that send mail on request count against the limits table (core/ratelimit.py) per client address and per
email address: forgot password and "resend code". The states run as Reflex runs them, with the router data Reflex
builds for a connection; a refusal reads the same for an address with or without an account."""

from __future__ import annotations

import asyncio
import re

import pytest
from reflex.app import EventNamespace
from reflex.istate.data import RouterData
from reflex.state import State

from resonance.core import ratelimit
from resonance.identity.models import User
from resonance.ui.states.password_reset import SENT, ForgotPasswordState
from resonance.ui.states.sign_up import SignUpState
from resonance.ui.states.verify_email import VerifyEmailState
from tests.factories import all_rows, make_user, random_email

pytestmark = pytest.mark.usefixtures("sqlite_db")


def state(cls, ip: str):
    root = State(_reflex_internal_init=True)
    scope = {"client": (ip, 50000), "headers": [(b"user-agent", b"Test/1.0")]}
    router_data = EventNamespace._build_static_router_data(None, "sid", {"asgi.scope": scope})
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate(cls.get_full_name().split(".")[1:])


def forgot(email: str, ip: str) -> str:
    page = state(ForgotPasswordState, ip)
    ForgotPasswordState.submit.fn(page, {"email": email})
    return page.error or page.sent


def resend(email: str, ip: str) -> str:
    page = state(VerifyEmailState, ip)
    page.email = email
    VerifyEmailState.resend.fn(page)
    return page.error or page.info


def test_password_reset_requests_are_limited_per_client_address():
    count, _ = ratelimit.rate(ratelimit.PASSWORD_RESET_IP)
    assert [forgot(random_email(), "203.0.113.30") for _ in range(count)] == [SENT] * count
    assert forgot(random_email(), "203.0.113.30").startswith("Too many requests, try again in")
    assert forgot(random_email(), "203.0.113.31") == SENT


def test_password_reset_requests_are_limited_per_email_address_known_or_not():
    known, ghost = make_user().email, random_email("ghost")
    count, _ = ratelimit.rate(ratelimit.PASSWORD_RESET_EMAIL)
    for email in (known, ghost):
        assert [forgot(email, f"198.51.100.{n}") for n in range(count)] == [SENT] * count
    # The same refusal for a known address and an unknown one (the wait it names may tick between the two calls)
    refusals = {re.sub(r"\d+", "N", forgot(email, "198.51.100.99")) for email in (known, ghost)}
    assert len(refusals) == 1 and refusals.pop().startswith("Too many requests, try again in"), refusals


def test_new_verification_codes_are_limited_per_email_and_per_client_address(configure):
    configure(EMAIL_RESEND_SECONDS=0)  # the per-account pause between codes, out of the way
    waiting = make_user(verified=False).email
    per_email, _ = ratelimit.rate(ratelimit.VERIFICATION_EMAIL)
    assert [resend(waiting, f"198.51.100.{n}") for n in range(per_email)] == ["We sent a new code."] * per_email
    assert resend(waiting, "198.51.100.50").startswith("Too many codes requested, try again in")
    per_ip, _ = ratelimit.rate(ratelimit.VERIFICATION_IP)
    assert [resend(random_email(), "203.0.113.40") for _ in range(per_ip)] == ["We sent a new code."] * per_ip
    assert resend(random_email(), "203.0.113.40").startswith("Too many codes requested")


def sign_up(email: str, ip: str) -> str:
    page = state(SignUpState, ip)
    asyncio.run(SignUpState.submit.fn(page, {"name": "Someone", "email": email, "password": "a sturdy passphrase 9"}))
    return page.error or "sent"


def test_sign_ups_are_limited_per_client_address(configure):
    """Attack: one machine signing up address after address, each a mail to somebody."""
    configure(SIGNUP_RATE_PER_IP="3/3600")
    assert [sign_up(random_email(), "203.0.113.60") for _ in range(3)] == ["sent"] * 3
    assert (sign_up(random_email(), "203.0.113.60")).startswith("Too many sign-ups, try again in")
    assert sign_up(random_email(), "203.0.113.61") == "sent"
    assert len(all_rows(User)) == 4


def test_codes_to_one_address_are_capped_per_day_whatever_the_path(configure, clock):
    """Attack: guessing a pending address's code by having new codes sent to it all day, from many addresses and
    through sign-up and "resend" alike (each code allows a few guesses)."""
    configure(EMAIL_RESEND_SECONDS=0, SIGNUP_RATE_PER_IP="1000/60")
    target = random_email("pending")
    short, short_window = ratelimit.rate(ratelimit.VERIFICATION_EMAIL)
    daily, _ = ratelimit.rate(ratelimit.VERIFICATION_EMAIL_DAY)
    sent = 0
    for n in range(daily):
        if n and n % short == 0:
            clock.advance(seconds=short_window)  # past the short window, never past the day
        answer = sign_up(target, f"198.51.100.{n}") if n % 2 else resend(target, f"198.51.100.{n}")
        assert answer in ("sent", "We sent a new code."), answer
        sent += 1
    clock.advance(seconds=short_window)
    assert (sign_up(target, "192.0.2.1")).startswith("Too many codes requested")
    assert resend(target, "192.0.2.2").startswith("Too many codes requested")
    assert sent == daily
