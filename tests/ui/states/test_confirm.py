"""Destructive actions ask first: the first click only puts a question naming the thing (nothing changes), Cancel
forgets it, and the confirm button runs the action's own server-checked handler with the id asked about."""

from __future__ import annotations

import pytest

from resonance.generations.models import Generation
from resonance.orgs import api_keys
from resonance.orgs.api_keys import ApiKey
from resonance.orgs.models import Invitation, Membership
from resonance.orgs.scope import tenant_session
from resonance.ui.states.api_keys import ApiKeysState
from resonance.ui.states.org_settings import OrgSettingsState
from resonance.ui.states.tts_history import TTSHistoryState
from tests.factories import add_member, all_rows, get, make_generation, make_org, make_user, signed_in
from tests.ui.states.events import fire, state_for

pytestmark = pytest.mark.usefixtures("sqlite_db")


@pytest.fixture
def team():
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    principal, token = signed_in(admin, org)
    return org, principal, token


def asked(state) -> tuple[str, str, str]:
    return state.confirm_action, state.confirm_id, state.confirm_name


def test_removing_a_member_asks_first_and_cancel_keeps_them(team):
    org, _, token = team
    membership = add_member(org, make_user(name="Max Member", email="max@example.com"))
    page = state_for(OrgSettingsState, token)
    fire(page, "load")

    fire(page, "ask", action="remove_member", item_id=membership.id)
    assert asked(page) == ("remove_member", membership.id, "max@example.com")
    assert get(Membership, membership.id) is not None  # asking removes nobody
    fire(page, "cancel_confirm", open_=False)
    assert asked(page) == ("", "", "") and get(Membership, membership.id) is not None

    fire(page, "ask", action="remove_member", item_id=membership.id)
    assert "Member removed." in fire(page, "remove_member", membership_id=page.confirm_id)
    assert get(Membership, membership.id) is None and asked(page) == ("", "", "")
    assert [m.email for m in page.members] == [page.user_email]


def test_revoking_an_invitation_names_the_address_and_only_the_confirm_revokes(team):
    _, _, token = team
    page = state_for(OrgSettingsState, token)
    fire(page, "invite", form={"email": "ana@example.com", "role": "member"})
    invitation = all_rows(Invitation)[0]

    fire(page, "ask", action="revoke_invitation", item_id=invitation.id)
    assert asked(page) == ("revoke_invitation", invitation.id, "ana@example.com")
    fire(page, "cancel_confirm")
    assert get(Invitation, invitation.id).status == "pending"

    fire(page, "ask", action="revoke_invitation", item_id=invitation.id)
    assert get(Invitation, invitation.id).status == "pending"
    assert "Invitation revoked." in fire(page, "revoke_invitation", invitation_id=page.confirm_id)
    assert get(Invitation, invitation.id).status == "revoked" and asked(page) == ("", "", "")


def test_revoking_an_api_key_asks_first_with_its_name(team):
    _, principal, token = team
    with tenant_session(principal.org_id) as session:
        key_id = api_keys.create_key(session=session, actor=principal, name="Production backend").key.id
    page = state_for(ApiKeysState, token)
    fire(page, "load")

    fire(page, "ask", action="revoke", item_id=key_id)
    assert asked(page) == ("revoke", key_id, "Production backend")
    fire(page, "cancel_confirm")
    assert get(ApiKey, key_id).revoked_at is None

    fire(page, "ask", action="revoke", item_id=key_id)
    assert get(ApiKey, key_id).revoked_at is None
    assert "Key revoked." in fire(page, "revoke", key_id=page.confirm_id)
    assert get(ApiKey, key_id).revoked_at is not None and asked(page) == ("", "", "")


def test_deleting_a_generation_asks_with_the_start_of_its_text(team):
    org, _, token = team
    generation = make_generation(org, text="Once upon a time, " * 20)
    page = state_for(TTSHistoryState, token, path="/text-to-speech")
    fire(page, "load")

    fire(page, "ask", action="delete", item_id=generation.id)
    action, item_id, name = asked(page)
    assert (action, item_id) == ("delete", generation.id)
    assert name.startswith("Once upon a time, Once upon") and name.endswith("…") and len(name) <= 80
    fire(page, "cancel_confirm")
    assert get(Generation, generation.id) is not None and len(page.rows) == 1

    fire(page, "ask", action="delete", item_id=generation.id)
    assert get(Generation, generation.id) is not None
    assert "Generation deleted" in fire(page, "delete", generation_id=page.confirm_id)
    assert get(Generation, generation.id) is None and page.rows == [] and asked(page) == ("", "", "")


def test_nothing_is_asked_about_a_row_the_page_does_not_show(team):
    org, _, token = team
    other = make_org(admin=make_user(name="Eve"), name="Other")
    foreign = make_generation(other, text="Not yours.")
    history = state_for(TTSHistoryState, token)
    fire(history, "load")
    fire(history, "ask", action="delete", item_id=foreign.id)
    fire(history, "ask", action="remove_member", item_id=foreign.id)  # an action this page does not have
    assert asked(history) == ("", "", "")
    # A Member's page lists no invitations, so there is nothing to ask about (the handler refuses anyway).
    member = make_user(name="Max Member")
    add_member(org, member)
    page = state_for(OrgSettingsState, signed_in(member, org)[1])
    fire(page, "load")
    fire(page, "ask", action="revoke_invitation", item_id="inv_anything")
    assert asked(page) == ("", "", "") and get(Generation, foreign.id) is not None
