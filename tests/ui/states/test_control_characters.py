"""Crafted websocket events with NUL and other control characters in renames, new names, searches and the ids of
deletes, selects and switches, on SQLite and PostgreSQL: each gets the service's message (a toast, or the form's
error) and changes nothing, where a NUL used to reach PostgreSQL and crash the event."""

from __future__ import annotations

import pytest

from resonance.generations.models import Generation
from resonance.identity.models import User
from resonance.orgs.models import Membership, Organization
from resonance.ui.states.account import AccountState
from resonance.ui.states.api_keys import ApiKeysState
from resonance.ui.states.org_settings import OrgSettingsState
from resonance.ui.states.shell import ShellState
from resonance.ui.states.sign_in import SignInState
from resonance.ui.states.sign_up import SignUpState
from resonance.ui.states.tts import TTSState
from resonance.ui.states.tts_history import TTSHistoryState
from resonance.ui.states.voices import VoicesState
from resonance.voices.models import Voice
from tests.factories import PASSWORD, add_member, all_rows, get, make_generation, make_org, make_user, make_voice, \
    signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice
from tests.ui.states.events import fire, state_for

CONTROL = "can't contain control characters or invalid Unicode."


@pytest.fixture
def team(db):
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    _, token = signed_in(admin, org)
    return admin, org, token


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\ud800"])
def test_renaming_the_organization_with_a_control_character_is_refused_with_a_toast(team, bad):
    _, org, token = team
    said = fire(state_for(OrgSettingsState, token), "rename", form={"name": f"Acme{bad} Studio"})
    assert f"Organization name {CONTROL}" in said
    assert get(Organization, org.id).name == "Acme"


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\ud800"])
def test_renaming_a_voice_with_a_control_character_shows_the_forms_error(team, bad):
    _, org, token = team
    voice = make_voice(org, name="Harbour Guide")
    state = state_for(VoicesState, token)
    fire(state, "open_edit", voice_id=voice.id)
    assert state.edit_id == voice.id
    fire(state, "save_edit", form={"edit-name": f"Harbour{bad}Guide", "edit-description": ""})
    assert state.edit_error == f"Voice name {CONTROL}"
    fire(state, "save_edit", form={"edit-name": "Harbour Guide", "edit-description": f"Calm{bad}"})
    assert state.edit_error == f"Description {CONTROL}"
    assert get(Voice, voice.id).name == "Harbour Guide" and get(Voice, voice.id).description is None


def test_names_of_a_profile_and_an_api_key_with_nul_are_refused(team):
    admin, org, token = team
    assert f"Name {CONTROL}" in fire(state_for(AccountState, token), "save_profile", form={"name": "Ada\x00"})
    assert f"Key name {CONTROL}" in fire(state_for(ApiKeysState, token), "create", form={"name": "CI\x00"})
    assert get(User, admin.id).name == "Ada Admin"
    state = state_for(ApiKeysState, token)
    fire(state, "load")
    assert state.keys == []


def test_ids_with_nul_in_deletes_selects_and_switches_are_not_found(team):
    admin, org, token = team
    voice = make_voice(org, name="Harbour Guide")
    generation = make_generation(org, voice)
    membership = add_member(org, make_user(name="Max Member"))
    voices = state_for(VoicesState, token)
    assert "Voice not found" in fire(voices, "open_edit", voice_id=f"{voice.id}\x00")
    assert "Generation not found" in fire(state_for(TTSHistoryState, token), "delete",
                                          generation_id=f"{generation.id}\x00")
    assert "Member not found." in fire(state_for(OrgSettingsState, token), "remove_member",
                                       membership_id=f"{membership.id}\x00")
    assert "Member not found." in fire(state_for(OrgSettingsState, token), "change_role",
                                       membership_id=f"{membership.id}\x00", role="admin")
    assert "Organization not found." in fire(state_for(ShellState, token), "switch_org", org_id=f"{org.id}\x00")
    assert "Session not found." in fire(state_for(AccountState, token), "revoke_session", session_id="ses_\x00")
    assert [g.id for g in all_rows(Generation)] == [generation.id]
    assert len(all_rows(Membership)) == 2 and get(Voice, voice.id) is not None


def test_a_search_with_nul_finds_nothing(team):
    _, org, token = team
    ready_voice(org, name="Harbour Guide")
    state = state_for(VoicesState, token)
    fire(state, "search", text="Harbour")
    assert [v.name for v in state.team] == ["Harbour Guide"]
    fire(state, "search", text="Harbour\x00")
    assert state.team == [] and state.builtin == []


def test_text_to_speak_with_nul_is_refused_with_a_toast(team, monkeypatch):
    from resonance.generations import submit

    _, org, token = team
    monkeypatch.setattr(submit, "get_engine", lambda: ToneEngine())
    state = state_for(TTSState, token)
    state.text, state.voice_id = "Hello\x00 there.", ready_voice().id
    assert f"Text {CONTROL}" in fire(state, "generate")
    assert all_rows(Generation) == []


def test_sign_in_and_sign_up_with_nul_answer_with_the_forms_error(team):
    admin, _, _ = team
    sign_in = state_for(SignInState)
    fire(sign_in, "submit", form={"email": f"{admin.email}\x00", "password": PASSWORD})
    assert sign_in.error == "Incorrect email or password."
    fire(sign_in, "submit", form={"email": admin.email, "password": f"{PASSWORD}\ud800"})
    assert sign_in.error == "Incorrect email or password."
    fire(sign_in, "send_magic_link", form={"email": f"{admin.email}\x00"})
    assert sign_in.error == "Enter a valid email address."
    sign_up = state_for(SignUpState)
    fire(sign_up, "submit", form={"name": "Eve\x00", "email": "eve@example.com", "password": "a sturdy passphrase 9"})
    assert sign_up.error == f"Name {CONTROL}"
    fire(sign_up, "submit", form={"name": "Eve", "email": "eve\x00@example.com", "password": "a sturdy passphrase 9"})
    assert sign_up.error == "Enter a valid email address."
    assert [u.id for u in all_rows(User)] == [admin.id]
