"""Security events: each sign-in and each change to how an account signs in is recorded (device, network, place, no
secrets) and mailed to the account through the outbox, in the same transaction; sign-ins only from a new device
and network; the email change also to the old address; every mail carries a working "This wasn't me" link; the
owner sees their own events on /account."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.core.clock import clock
from resonance.identity import accounts, devices, magic_links, mfa, security_events, sessions
from resonance.identity.models import EmailToken, SecurityEvent, User
from resonance.mail.models import OutboxEmail
from resonance.orgs.scope import system_session
from resonance.ui.states.account import AccountState
from resonance.ui.states.sign_in import SignInState
from tests.factories import APP_URL, PASSWORD, all_rows, code_in, last_mail, link_token, make_user, outbox, \
    random_email, signed_in, start_session
from tests.ui.states.events import fire, state_for

pytestmark = pytest.mark.usefixtures("sqlite_db")

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
NEW_PASSWORD = "a brand new passphrase 2024"
NOT_ME = "/security/not-me?token="


def events(user: User, kind: str | None = None) -> list[SecurityEvent]:
    rows = all_rows(SecurityEvent, user_id=user.id)
    return [r for r in rows if kind is None or r.kind == kind]


def mails(to: str, subject: str) -> list[OutboxEmail]:
    return [m for m in outbox(to) if subject in m.subject]


def sign_in(user: User, ip: str = "203.0.113.7", agent: str = CHROME_LINUX, method: str = "password") -> None:
    with system_session() as session:
        sessions.start(session=session, user=session.get(User, user.id), ip=ip, user_agent=agent, method=method)


def enrol(user: User) -> tuple[str, list[str]]:
    with system_session() as session:
        secret = mfa.begin(session=session, user=session.get(User, user.id)).secret
    clock.advance(seconds=mfa.STEP_SECONDS)
    with system_session() as session:
        codes = mfa.confirm(session=session, user_id=user.id, code=pyotp.TOTP(secret).at(clock.now().timestamp()
                                                                                         - mfa.STEP_SECONDS),
                            ip="198.51.100.20", user_agent=FIREFOX_WINDOWS)
    return secret, codes


def assert_one_notice(user: User, subject: str, kind: str) -> OutboxEmail:
    """One mail with this subject to the account, with a "This wasn't me" link, and the event recorded."""
    (mail,) = mails(user.email, subject)
    assert "This wasn't me: " + APP_URL + NOT_ME in mail.text
    assert events(user, kind), f"no {kind} event"
    return mail


def test_changing_the_password_is_recorded_and_mailed_with_where_it_came_from(clock):
    user = make_user()
    row, _ = start_session(user)
    with system_session() as session:
        accounts.change_password(session=session, user_id=user.id, current=PASSWORD, new=NEW_PASSWORD,
                                 keep_session_id=row.id, ip="198.51.100.20", user_agent=FIREFOX_WINDOWS)
    mail = assert_one_notice(user, "Your Resonance password was changed", security_events.PASSWORD_CHANGED)
    assert "Device: Firefox on Windows" in mail.text and "From: 198.51.100.x" in mail.text
    (event,) = events(user, security_events.PASSWORD_CHANGED)
    assert (event.ip, event.device, event.network, event.place) == (
        "198.51.100.20", "Firefox on Windows", "198.51.100.0/24", "198.51.100.x")
    assert PASSWORD not in event.details and NEW_PASSWORD not in event.details


def test_a_password_reset_is_recorded_and_mailed(clock):
    user = make_user()
    with system_session() as session:
        accounts.request_password_reset(session=session, email=user.email)
    token = link_token(last_mail(user.email), "/reset-password?token=")
    with system_session() as session:
        accounts.reset_password(session=session, token=token, password=NEW_PASSWORD, ip="10.0.0.5",
                                user_agent=CHROME_LINUX)
    mail = assert_one_notice(user, "Your Resonance password was changed", security_events.PASSWORD_CHANGED)
    assert "reset with a link we emailed you" in mail.text and "From: a private network" in mail.text
    (event,) = events(user, security_events.PASSWORD_CHANGED)
    assert json.loads(event.details) == {"reset": True} and token not in event.details


def test_two_step_changes_and_backup_codes_are_recorded_and_mailed(clock):
    user = make_user()
    secret, codes = enrol(user)
    assert_one_notice(user, "Two-step verification is on", security_events.TWO_STEP_ON)

    with system_session() as session:
        assert mfa.verify(session=session, user_id=user.id, code=codes[0], ip="203.0.113.7") == "backup"
    mail = assert_one_notice(user, "A backup code of your Resonance account was used",
                             security_events.BACKUP_CODE_USED)
    assert "9 of them are left" in mail.text
    assert codes[0] not in mail.text and codes[0] not in str(events(user))

    with system_session() as session:
        mfa.new_backup_codes(session=session, user_id=user.id)
    assert_one_notice(user, "New backup codes", security_events.BACKUP_CODES_RENEWED)

    clock.advance(seconds=mfa.STEP_SECONDS)
    with system_session() as session:
        mfa.turn_off(session=session, user_id=user.id, code=pyotp.TOTP(secret).at(clock.now().timestamp()))
    assert_one_notice(user, "Two-step verification is off", security_events.TWO_STEP_OFF)
    # An authenticator code is not a backup code: no mail about one
    assert len(mails(user.email, "backup code of")) == 1


def test_giving_an_address_to_an_account_without_one_is_recorded_and_mailed_there():
    with system_session() as session:
        user = User(email=None, name="No Address")
        session.add(user)
    address = random_email()
    with system_session() as session:
        accounts.request_email(session=session, user_id=user.id, email=address)
    with system_session() as session:
        accounts.verify_claimed_email(session=session, user_id=user.id, code=code_in(last_mail(address)),
                                      ip="203.0.113.7", user_agent=CHROME_LINUX)
    (mail,) = mails(address, "Your Resonance email address was changed")
    assert f"{address} is now the email address" in mail.text and APP_URL + NOT_ME in mail.text
    (event,) = events(user, security_events.EMAIL_CHANGED)
    assert json.loads(event.details) == {"new_email": address, "old_email": None}


def test_an_email_change_is_mailed_to_the_old_address_too():
    old, new = random_email("old"), random_email("new")
    user = make_user(email=new)
    with system_session() as session:
        security_events.record(session, session.get(User, user.id), security_events.EMAIL_CHANGED,
                               ip="203.0.113.7", user_agent=CHROME_LINUX, old_email=old, new_email=new)
    for address in (old, new):
        (mail,) = mails(address, "Your Resonance email address was changed")
        assert f"changed from {old} to {new}" in mail.text and APP_URL + NOT_ME in mail.text
    # each recipient has a link of its own
    assert link_token(outbox(old)[0], NOT_ME) != link_token(outbox(new)[0], NOT_ME)


@pytest.mark.parametrize(("kind", "subject"), [
    (security_events.PASSKEY_ADDED, "A passkey was added to your Resonance account"),
    (security_events.PASSKEY_REMOVED, "A passkey was removed from your Resonance account"),
])
def test_passkey_events_are_recorded_and_mailed(kind, subject):
    user = make_user()
    with system_session() as session:
        security_events.record(session, session.get(User, user.id), kind, ip="203.0.113.7", name="My laptop")
    mail = assert_one_notice(user, subject, kind)
    assert "(My laptop)" in mail.text


def test_secrets_never_go_into_an_event():
    user = make_user()
    with system_session() as session, pytest.raises(ValueError):
        security_events.record(session, session.get(User, user.id), security_events.SIGNED_IN, token="abc")
    assert events(user) == []


def test_a_sign_in_from_a_new_device_or_network_is_mailed_once(clock):
    user = make_user()
    new_sign_in = "New sign-in to your Resonance account"
    sign_in(user, ip="203.0.113.7")  # the first one: nothing to compare with
    clock.advance(seconds=1)
    sign_in(user, ip="203.0.113.99")  # the same browser on the same /24
    assert mails(user.email, new_sign_in) == []

    clock.advance(seconds=1)
    sign_in(user, ip="203.0.113.7", agent=FIREFOX_WINDOWS)  # another browser
    clock.advance(seconds=1)
    sign_in(user, ip="203.0.113.8", agent=FIREFOX_WINDOWS)  # that browser again
    (mail,) = mails(user.email, new_sign_in)
    assert "Device: Firefox on Windows" in mail.text and "From: 203.0.113.x" in mail.text
    assert "signed in with your password" in mail.text

    clock.advance(seconds=1)
    sign_in(user, ip="198.51.100.7", method="google")  # the first browser on another network
    assert len(mails(user.email, new_sign_in)) == 2
    assert "signed in with Google" in mails(user.email, new_sign_in)[-1].text
    assert len(events(user, security_events.SIGNED_IN)) == 5


def test_ipv6_networks_are_told_apart_by_their_48_bit_prefix(clock):
    user = make_user()
    sign_in(user, ip="2001:db8:1:2::10")
    sign_in(user, ip="2001:db8:1:ffff::20")
    assert mails(user.email, "New sign-in") == []
    sign_in(user, ip="2001:db8:2::10")
    (mail,) = mails(user.email, "New sign-in")
    assert "From: 2001:db8:2::/48" in mail.text


def test_places_say_only_what_the_address_tells():
    assert devices.place("10.1.2.3") == devices.place("127.0.0.1") == devices.place("::1") == devices.PRIVATE
    assert devices.place("192.168.0.4") == devices.place("fe80::1") == devices.PRIVATE
    assert devices.place("203.0.113.77") == "203.0.113.x" == devices.place("::ffff:203.0.113.5")
    assert devices.place("") == devices.place("not an address") == devices.UNKNOWN
    assert devices.network("203.0.113.77") == "203.0.113.0/24" and devices.network("") == ""


def test_password_sign_in_through_the_page_is_recorded_with_its_method(clock):
    user = make_user()
    fire(state_for(SignInState, path="/sign-in"), "submit", form={"email": user.email, "password": PASSWORD})
    (event,) = events(user, security_events.SIGNED_IN)
    assert json.loads(event.details) == {"method": "password"} and event.ip == "203.0.113.9"
    assert security_events.describe(event) == "Signed in (password)"


def test_the_account_page_lists_the_users_own_events_newest_first(clock):
    me, someone = make_user(), make_user()
    sign_in(someone, ip="198.51.100.1")
    for _ in range(3):
        clock.advance(seconds=1)
        sign_in(me)
    clock.advance(seconds=1)
    enrol(me)
    clock.advance(seconds=1)
    _, token = signed_in(me)

    page = state_for(AccountState, token)
    fire(page, "load")
    whats = [row.what for row in page.security]
    assert whats[:2] == ["Signed in", "Two-step verification turned on"]
    assert whats[2:] == ["Signed in (password)"] * 3
    assert {row.place for row in page.security} == {"203.0.113.x", "198.51.100.x"}
    assert all(row.when.endswith("Z") for row in page.security)
    mine = {e.id for e in events(me)}
    assert {row.id for row in page.security} == mine and not mine & {e.id for e in events(someone)}


def test_the_account_page_shows_at_most_20_events(clock):
    me = make_user()
    for _ in range(25):
        clock.advance(seconds=1)
        sign_in(me)
    _, token = signed_in(me)
    page = state_for(AccountState, token)
    fire(page, "load")
    assert len(page.security) == 20
    assert [row.when for row in page.security] == sorted((row.when for row in page.security), reverse=True)


def test_a_mail_is_queued_only_when_the_action_commits():
    user = make_user()
    with pytest.raises(RuntimeError), system_session() as session:
        security_events.record(session, session.get(User, user.id), security_events.TWO_STEP_OFF)
        raise RuntimeError("the action failed")
    assert events(user) == [] and outbox(user.email) == []


def test_the_not_me_link_is_a_digest_in_the_database():
    user = make_user()
    with system_session() as session:
        security_events.record(session, session.get(User, user.id), security_events.TWO_STEP_ON)
    token = link_token(last_mail(user.email), NOT_ME)
    stored = all_rows(EmailToken, user_id=user.id)
    assert len(stored) == 1 and stored[0].purpose == "not_me" and token not in str(stored[0])
    assert re.fullmatch(r"[A-Za-z0-9_\-]{32,}", token)


def test_a_magic_link_sign_in_is_recorded_with_its_method(configure, clock):
    configure(APP_URL="https://app.test", API_URL="https://api.test")
    user = make_user()
    with system_session() as session:
        magic_links.request(session=session, email=user.email, ip="198.51.100.1")
    token = re.search(r"token=([\w-]+)", last_mail(user.email).text).group(1)
    with TestClient(build_api(), base_url="https://api.test", follow_redirects=False) as http:
        answer = http.post(f"/api/auth/magic/{token}", headers={"Origin": "https://app.test",
                                                                "User-Agent": FIREFOX_WINDOWS})
    assert answer.status_code == 303
    (event,) = events(user, security_events.SIGNED_IN)
    assert json.loads(event.details) == {"method": "link"} and event.device == "Firefox on Windows"
