"""Passkeys, with a software authenticator making real attestations and assertions: several per account, named,
listed and removed; signing in with one alone; the answer must come from our origin for our RP ID, to a live challenge
issued for that purpose and account, used once; another account's passkey and a counter going back are refused; an
account with a passkey takes the second step after a password, where the passkey (or nothing else) lets it in."""

from __future__ import annotations

import json
import re
import pytest
from starlette.testclient import TestClient
from webauthn.helpers import bytes_to_base64url

from resonance.api.app import build_api
from resonance.core.errors import Forbidden, Invalid, NotFound, Unauthenticated
from resonance.identity import mfa, passkeys
from resonance.identity.models import AuthSession, Passkey, PasskeyChallenge, User
from resonance.orgs.scope import system_session
from resonance.ui.states.passkeys import PasskeysState
from resonance.ui.states.second_factor import SecondFactorState
from resonance.ui.states.sign_in import SignInState
from tests.factories import PASSWORD, all_rows, make_user, signed_in
from tests.identity.soft_authenticator import SoftAuthenticator
from tests.ui.states.events import fire, state_for

APP = "https://app.test"
GOOGLE = bytes.fromhex("ea9b8d664d011d213ce4b6b48cb575d4")


@pytest.fixture
def app_url(configure):
    configure(APP_URL=APP, API_URL=APP)


def add(user: User, device: SoftAuthenticator, name: str = "Chrome on Linux", **create) -> Passkey:
    with system_session() as session:
        ceremony = passkeys.registration_options(session=session, user=session.get(User, user.id))
    with system_session() as session:
        return passkeys.add_passkey(session=session, user_id=user.id, ceremony_id=ceremony.id,
                                    credential=device.create(ceremony.options, **create), fallback_name=name)


def sign_in(device: SoftAuthenticator, **get) -> User:
    with system_session() as session:
        ceremony = passkeys.sign_in_options(session=session)
    with system_session() as session:
        return passkeys.authenticate(session=session, ceremony_id=ceremony.id,
                                     credential=device.get(ceremony.options, **get))


def test_several_passkeys_are_added_named_listed_and_each_signs_in_alone(db, app_url, clock):
    user = make_user()
    phone, laptop = SoftAuthenticator(APP, aaguid=GOOGLE), SoftAuthenticator(APP)
    with system_session() as session:
        options = json.loads(passkeys.registration_options(session=session, user=session.get(User, user.id)).options)
    assert options["rp"] == {"id": "app.test", "name": "Resonance"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    first = add(user, phone)
    clock.advance(seconds=1)
    add(user, laptop, name="Firefox on macOS")
    with system_session() as session:
        listed = passkeys.list_passkeys(session=session, user_id=user.id)
        # The next one excludes those the account has (an authenticator holds one per account).
        excluded = json.loads(passkeys.registration_options(session=session, user=user).options)["excludeCredentials"]
    assert [p.name for p in listed] == ["Google Password Manager", "Firefox on macOS"]
    assert {e["id"] for e in excluded} == {p.credential_id for p in listed} and listed[0].transports == "internal"
    assert all(p.last_used_at is None for p in listed)

    clock.advance(minutes=1)
    assert sign_in(phone).id == user.id and sign_in(laptop).id == user.id
    with system_session() as session:
        used = session.get(Passkey, first.id)
        renamed = passkeys.rename_passkey(session=session, user_id=user.id, passkey_id=first.id, name="  My  phone ")
    assert used.last_used_at is not None and used.sign_count == 1 and renamed.name == "My phone"
    with system_session() as session:
        assert mfa.enrolled(session=session, user_id=user.id) and not mfa.totp_on(session=session, user_id=user.id)


def test_an_answer_for_another_origin_or_rp_id_is_refused(db, app_url):
    user = make_user()
    device = SoftAuthenticator(APP)
    for wrong in ({"origin": "https://app.test.evil.example"}, {"rp_id": "evil.example"}):
        with pytest.raises(Invalid, match="could not be used"):
            add(user, device, **wrong)
    assert all_rows(Passkey) == []
    add(user, device)
    for wrong in ({"origin": "https://evil.example"}, {"origin": "http://app.test"}, {"rp_id": "evil.example"}):
        with pytest.raises(Unauthenticated, match="could not be used"):
            sign_in(device, **wrong)
    assert sign_in(device).id == user.id


def test_a_challenge_works_once_only_for_its_purpose_and_account_and_not_after_five_minutes(db, app_url, clock):
    user, other = make_user(), make_user()
    device = SoftAuthenticator(APP)
    add(user, device, counts=False)  # no counter: only the challenge stops a replay
    with system_session() as session:
        ceremony = passkeys.sign_in_options(session=session)
    answer = device.get(ceremony.options)
    with system_session() as session:
        assert passkeys.authenticate(session=session, ceremony_id=ceremony.id, credential=answer).id == user.id
    with system_session() as session, pytest.raises(Unauthenticated, match="took too long"):
        passkeys.authenticate(session=session, ceremony_id=ceremony.id, credential=answer)  # replayed

    with system_session() as session:
        late = passkeys.sign_in_options(session=session)
    clock.advance(seconds=passkeys.CHALLENGE_LIFETIME.total_seconds() + 1)
    with system_session() as session, pytest.raises(Unauthenticated, match="took too long"):
        passkeys.authenticate(session=session, ceremony_id=late.id, credential=device.get(late.options))

    # A registration challenge, or one issued for another account, answers no sign-in, and is spent by trying.
    with system_session() as session:
        for_other = passkeys.registration_options(session=session, user=session.get(User, other.id))
    with system_session() as session, pytest.raises(Unauthenticated):
        passkeys.authenticate(session=session, ceremony_id=for_other.id, credential=device.get(for_other.options))
    with system_session() as session, pytest.raises(Unauthenticated):
        passkeys.add_passkey(session=session, user_id=user.id, ceremony_id=for_other.id,
                             credential=device.create(for_other.options), fallback_name="x")
    assert [c.id for c in all_rows(PasskeyChallenge)] == []  # the expired one went when the next was issued


def test_another_accounts_passkey_is_refused_for_the_second_step_and_a_swapped_user_handle_for_sign_in(db, app_url):
    mine, theirs = make_user(), make_user()
    device = SoftAuthenticator(APP)
    add(mine, device)
    their_device = SoftAuthenticator(APP)
    add(theirs, their_device)
    with system_session() as session:
        ceremony = passkeys.second_factor_options(session=session, user_id=mine.id)
    mine_only = [p.credential_id for p in all_rows(Passkey) if p.user_id == mine.id]
    assert [c["id"] for c in json.loads(ceremony.options)["allowCredentials"]] == mine_only
    with system_session() as session, pytest.raises(Unauthenticated):
        passkeys.authenticate(session=session, ceremony_id=ceremony.id, credential=their_device.get(ceremony.options),
                              user_id=mine.id)
    their_device.passkeys[-1].user_handle = mine.id.encode()  # claims to be mine; signed by their key
    with pytest.raises(Unauthenticated):
        sign_in(their_device)
    with system_session() as session:
        ceremony = passkeys.second_factor_options(session=session, user_id=mine.id)
    with system_session() as session:
        assert passkeys.second_factor(session=session, ceremony_id=ceremony.id, user_id=mine.id,
                                      credential=device.get(ceremony.options)).id == mine.id


def test_a_counter_that_does_not_go_up_is_refused_as_a_cloned_authenticator(db, app_url):
    user = make_user()
    device = SoftAuthenticator(APP)
    add(user, device)
    assert sign_in(device, counter=5).id == user.id
    for clone in (5, 3):
        with pytest.raises(Unauthenticated):
            sign_in(device, counter=clone)
    (row,) = all_rows(Passkey)
    assert row.sign_count == 5
    assert sign_in(device, counter=6).id == user.id


def test_a_removed_passkey_no_longer_signs_in_and_another_accounts_cannot_be_touched(db, app_url):
    user, other = make_user(), make_user()
    device = SoftAuthenticator(APP)
    passkey = add(user, device)
    with system_session() as session:
        for action in (lambda: passkeys.remove_passkey(session=session, user_id=other.id, passkey_id=passkey.id),
                       lambda: passkeys.rename_passkey(session=session, user_id=other.id, passkey_id=passkey.id,
                                                       name="mine now")):
            with pytest.raises(NotFound):
                action()
    with system_session() as session:
        passkeys.remove_passkey(session=session, user_id=user.id, passkey_id=passkey.id)
    with pytest.raises(Unauthenticated):
        sign_in(device)
    with system_session() as session:
        assert not mfa.enrolled(session=session, user_id=user.id)


def test_an_account_has_at_most_ten_passkeys_and_one_passkey_is_on_one_account(sqlite_db, app_url):
    user, other = make_user(), make_user()
    device = SoftAuthenticator(APP)
    for _ in range(passkeys.MAX_PASSKEYS):
        add(user, device)
    with system_session() as session, pytest.raises(Invalid, match="at most 10"):
        passkeys.registration_options(session=session, user=session.get(User, user.id))
    # A credential id already on an account cannot be added again (to it or another one).
    with system_session() as session:
        ceremony = passkeys.registration_options(session=session, user=session.get(User, other.id))
    answer = device.create(ceremony.options, credential_id=device.passkeys[0].credential_id)
    with system_session() as session, pytest.raises(Invalid, match="already on an account"):
        passkeys.add_passkey(session=session, user_id=other.id, ceremony_id=ceremony.id, credential=answer,
                             fallback_name="x")
    assert len(all_rows(Passkey)) == passkeys.MAX_PASSKEYS


def test_after_a_password_a_passkey_account_takes_the_second_step_which_its_passkey_passes(sqlite_db, app_url, clock):
    user = make_user()
    device = SoftAuthenticator(APP)
    add(user, device)
    with TestClient(build_api(), base_url=APP, follow_redirects=False) as client:
        answer = fire(state_for(SignInState, path="/sign-in?next=/voices"), "submit",
                      form={"email": user.email, "password": PASSWORD})
        assert "/api/auth/second-factor" in answer and all_rows(AuthSession) == []
        challenge = re.search(r'"challenge":\s*"([^"]+)"', answer).group(1)
        assert client.post("/api/auth/second-factor", data={"challenge": challenge},
                           headers={"Origin": APP}).status_code == 303
    page = state_for(SecondFactorState, path="/sign-in/two-step", cookies={mfa.CHALLENGE_COOKIE: challenge})
    fire(page, "on_load")
    assert page.has_passkey and not page.has_code
    assert "resonancePasskeys.get" in fire(page, "start_passkey") and page._passkey_ceremony
    fire(page, "passkey_done", result={"error": "NotAllowedError"})
    assert "cancelled" in page.error and page._passkey_ceremony == "" and all_rows(AuthSession) == []
    with system_session() as session:
        elsewhere = passkeys.second_factor_options(session=session, user_id=user.id)  # another page's challenge
    fire(page, "start_passkey")
    answer = fire(page, "passkey_done", result={"credential": device.get(elsewhere.options)})
    assert "/api/auth/session" not in answer and page.error and all_rows(AuthSession) == []
    fire(page, "start_passkey")
    answer = fire(page, "passkey_done", result={"credential": device.get(page_options(page))})
    assert "/api/auth/session" in answer and '"next": "/voices"' in answer
    (row,) = all_rows(AuthSession)
    assert row.user_id == user.id


def test_signing_in_with_a_passkey_alone_opens_the_session(sqlite_db, app_url):
    user = make_user()
    device = SoftAuthenticator(APP)
    add(user, device)
    page = state_for(SignInState, path="/sign-in?next=/voices")
    fire(page, "on_load")
    assert "resonancePasskeys.get" in fire(page, "start_passkey")
    options = page_options(page)
    answer = fire(page, "passkey_done", result={"credential": device.get(options)})
    assert "/api/auth/session" in answer and '"next": "/voices"' in answer and "second-factor" not in answer
    (row,) = all_rows(AuthSession)
    assert row.user_id == user.id
    # The page's challenge is spent: the same answer again opens nothing.
    fire(page, "passkey_done", result={"credential": device.get(options)})
    assert page.error and len(all_rows(AuthSession)) == 1


def test_the_account_page_adds_renames_and_removes_passkeys_after_asking(sqlite_db, app_url):
    user = make_user()
    _, token = signed_in(user)
    device = SoftAuthenticator(APP)
    page = state_for(PasskeysState, token, path="/account")
    fire(page, "load")
    assert page.passkeys == []
    fire(page, "start_add")
    fire(page, "added", result={"error": "InvalidStateError"})
    assert "already holds" in page.error and page._passkey_ceremony == "" and all_rows(Passkey) == []
    assert "resonancePasskeys.create" in fire(page, "start_add")
    options = json.dumps({"challenge": challenge_of(page), "rp": {"id": "app.test"},
                          "user": {"id": bytes_to_base64url(user.id.encode())}})
    fire(page, "added", result={"credential": device.create(options)})
    (shown,) = page.passkeys
    assert shown.name == "Unknown device" and shown.last_used == "" and page.error == ""  # no browser named
    fire(page, "start_rename", passkey_id=shown.id)
    assert page.rename_name == "Unknown device"
    fire(page, "rename", form={"name": "Work laptop"})
    assert page.passkeys[0].name == "Work laptop" and page.rename_id == ""
    fire(page, "ask", action="remove", item_id=shown.id)
    assert page.confirm_name == "Work laptop"
    fire(page, "remove", passkey_id=page.confirm_id)
    assert page.passkeys == [] and all_rows(Passkey) == [] and page.confirm_id == ""


def challenge_of(page) -> str:
    """The challenge the page's pending ceremony sent the browser."""
    with system_session() as session:
        return session.get(PasskeyChallenge, page._passkey_ceremony).challenge


def page_options(page) -> str:
    return json.dumps({"challenge": challenge_of(page)})


def test_wrong_passkeys_at_the_second_step_count_toward_the_lockout(sqlite_db, app_url, configure):
    configure(LOCKOUT_THRESHOLD=2)
    user, other = make_user(), make_user()
    device, stranger = SoftAuthenticator(APP), SoftAuthenticator(APP)
    add(user, device)
    add(other, stranger)

    def second_step(authenticator: SoftAuthenticator) -> User:
        with system_session() as session:
            ceremony = passkeys.second_factor_options(session=session, user_id=user.id)
        with system_session() as session:
            return passkeys.second_factor(session=session, ceremony_id=ceremony.id, user_id=user.id,
                                          credential=authenticator.get(ceremony.options))

    with pytest.raises(Unauthenticated):
        second_step(stranger)
    with pytest.raises(Forbidden, match="locked"):
        second_step(stranger)
    with pytest.raises(Forbidden, match="locked"):
        second_step(device)
