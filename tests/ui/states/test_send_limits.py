"""The pages that send mail on request count against the limits table (core/ratelimit.py) per client address and per
email address: forgot password and "resend code". The states run as Reflex runs them, with the router data Reflex
builds for a connection; a refusal reads the same for an address with or without an account."""

from __future__ import annotations

import pytest
from reflex.app import EventNamespace
from reflex.istate.data import RouterData
from reflex.state import State

from resonance.core import ratelimit
from resonance.ui.states.password_reset import SENT, ForgotPasswordState
from resonance.ui.states.verify_email import VerifyEmailState
from tests.factories import make_user, random_email

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
    refusals = {forgot(email, "198.51.100.99") for email in (known, ghost)}
    assert len(refusals) == 1 and refusals.pop().startswith("Too many requests, try again in")


def test_new_verification_codes_are_limited_per_email_and_per_client_address(configure):
    configure(EMAIL_RESEND_SECONDS=0)  # the per-account pause between codes, out of the way
    waiting = make_user(verified=False).email
    per_email, _ = ratelimit.rate(ratelimit.VERIFICATION_EMAIL)
    assert [resend(waiting, f"198.51.100.{n}") for n in range(per_email)] == ["We sent a new code."] * per_email
    assert resend(waiting, "198.51.100.50").startswith("Too many codes requested, try again in")
    per_ip, _ = ratelimit.rate(ratelimit.VERIFICATION_IP)
    assert [resend(random_email(), "203.0.113.40") for _ in range(per_ip)] == ["We sent a new code."] * per_ip
    assert resend(random_email(), "203.0.113.40").startswith("Too many codes requested")
