"""The "This wasn't me" link of a security email: its page names the account and changes nothing until the click,
which signs the account out everywhere, removes its password and second factors (an intruder may have added
their own) and mails a password reset link; the link works once (and every other
"This wasn't me" link of the account stops working with it), and a forged or expired one is refused."""

from __future__ import annotations

import pyotp
import pytest

from resonance.core.errors import Unauthenticated
from resonance.identity import mfa, security_events, signin, tokens
from resonance.identity.models import AuthSession, BackupCode, Passkey, TotpFactor, User
from resonance.orgs.scope import system_session
from resonance.ui.states.not_me import NotMeState
from tests.factories import PASSWORD, all_rows, link_token, make_user, outbox, resolve, start_session
from tests.ui.states.events import fire, state_for

pytestmark = pytest.mark.usefixtures("sqlite_db")

NOT_ME = "/security/not-me?token="
RESET = "Reset your Resonance password"


def notice(user: User, kind: str = security_events.TWO_STEP_ON) -> str:
    """The token of the "This wasn't me" link of a fresh security email to `user`."""
    with system_session() as session:
        security_events.record(session, session.get(User, user.id), kind, ip="203.0.113.7")
    return link_token(outbox(user.email)[-1], NOT_ME)


def page(token: str):
    state = state_for(NotMeState, path=NOT_ME + token)
    fire(state, "on_load")
    return state


def live_sessions(user: User) -> list[AuthSession]:
    return [r for r in all_rows(AuthSession, user_id=user.id) if r.revoked_at is None]


def resets(user: User) -> list:
    return [m for m in outbox(user.email) if m.subject == RESET]


def test_the_click_signs_out_everywhere_and_mails_a_reset_link(clock):
    user = make_user()
    tokens_of_browsers = [start_session(user)[1] for _ in range(3)]
    token = notice(user)

    opened = page(token)
    assert opened.email == user.email and opened.error == "" and opened.done == ""
    assert len(live_sessions(user)) == 3  # opening the link (as a mail scanner does) changes nothing

    fire(opened, "secure")
    assert opened.error == "" and "signed out everywhere" in opened.done and user.email in opened.done
    assert live_sessions(user) == [] and all(resolve(t) is None for t in tokens_of_browsers)
    (reset,) = resets(user)
    assert "/reset-password?token=" in reset.text
    assert [e.kind for e in all_rows(security_events.SecurityEvent, user_id=user.id)
            if e.kind == security_events.SECURED]


def test_the_link_works_once_and_takes_the_accounts_other_links_with_it(clock):
    user = make_user()
    first, second = notice(user), notice(user, security_events.BACKUP_CODES_RENEWED)
    fire(page(first), "secure")
    start_session(user)

    again = page(first)
    assert again.error == tokens.EXPIRED and again.email == ""
    fire(again, "secure")
    assert again.error == tokens.EXPIRED and again.done == ""
    other = page(second)
    assert other.error == tokens.EXPIRED
    fire(other, "secure")
    assert len(live_sessions(user)) == 1 and len(resets(user)) == 1


@pytest.mark.parametrize("forged", ["", "forged-token-0000000000000000000000000000", "../../etc"])
def test_a_forged_link_is_refused_and_changes_nothing(forged):
    user = make_user()
    start_session(user)
    notice(user)
    state = page(forged)
    assert state.error == tokens.EXPIRED and state.email == ""
    fire(state, "secure")
    assert state.error == tokens.EXPIRED and state.done == ""
    assert len(live_sessions(user)) == 1 and resets(user) == []


def test_a_link_of_one_purpose_is_no_not_me_link(clock):
    """A sign-in link's token (another purpose) does not secure, nor sign out, anything."""
    user = make_user()
    start_session(user)
    with system_session() as session:
        issued = tokens.issue(session=session, user=session.get(User, user.id), purpose=tokens.SIGN_IN_LINK,
                              with_code=False)
    state = page(issued.token)
    fire(state, "secure")
    assert state.error == tokens.EXPIRED and len(live_sessions(user)) == 1


def test_the_link_expires(clock):
    user = make_user()
    start_session(user)
    token = notice(user)
    clock.advance(seconds=security_events.NOT_ME_LIFETIME.total_seconds() + 1)
    state = page(token)
    fire(state, "secure")
    assert state.error == tokens.EXPIRED and len(live_sessions(user)) == 1


def test_the_click_also_removes_what_an_intruder_could_sign_in_with(clock):
    """A hijacked session added a passkey and an authenticator, and the password is known: none of them survives."""
    user = make_user()
    with system_session() as session:
        secret = mfa.begin(session=session, user=session.get(User, user.id)).secret
    with system_session() as session:
        mfa.confirm(session=session, user_id=user.id, code=pyotp.TOTP(secret).now())
        session.add(Passkey(user_id=user.id, credential_id="intruder-key", public_key="key", name="Not mine"))
    fire(page(notice(user, security_events.PASSKEY_ADDED)), "secure")
    assert all_rows(TotpFactor) == [] and all_rows(BackupCode) == [] and all_rows(Passkey) == []
    with system_session() as session:
        assert session.get(User, user.id).password_hash is None
        with pytest.raises(Unauthenticated):
            signin.authenticate(session=session, email=user.email, password=PASSWORD, ip="198.51.100.60")
