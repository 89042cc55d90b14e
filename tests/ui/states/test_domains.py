"""Verified domains through the page states: an Admin adds, verifies (code from the outbox), changes the mode and
removes (asked first) on /settings/organization; a person at the domain joins or requests on /org-selection; the
Admin approves or declines. Each action ends in a toast or a message; a Member's events are refused."""

from __future__ import annotations

import pytest

from resonance.orgs.models import DomainMode, JoinRequest, Membership, OrgDomain
from resonance.ui.states.org_selection import OrgSelectionState
from resonance.ui.states.org_settings import DomainRow, OrgSettingsState
from tests.factories import add_member, all_rows, code_in, get, last_mail, make_org, make_user, resolve, \
    signed_in
from tests.ui.states.events import fire, state_for

pytestmark = pytest.mark.usefixtures("sqlite_db")


@pytest.fixture
def team():
    admin = make_user(name="Ada Admin", email="ada@acme-hq.net")
    org = make_org(admin=admin, name="Acme")
    return org, signed_in(admin, org)[1]


def verified_on_page(page, domain: str = "acme.com") -> DomainRow:
    assert "Domain added" in fire(page, "add_domain", form={"domain": domain})
    (row,) = [d for d in page.domains if d.domain == domain]
    assert row.verified is False
    assert "Code sent to it@" in fire(page, "send_domain_code", form={"domain_id": row.id, "email": f"it@{domain}"})
    assert page.domains[0].code_sent_to == f"it@{domain}"
    code = code_in(last_mail(f"it@{domain}"))
    assert "Domain verified." in fire(page, "verify_domain", form={"domain_id": row.id, "code": code})
    (row,) = [d for d in page.domains if d.domain == domain]
    assert row.verified is True
    return row


def test_an_admin_verifies_a_domain_and_a_person_at_it_joins_from_org_selection(team):
    org, token = team
    page = state_for(OrgSettingsState, token)
    fire(page, "load")
    row = verified_on_page(page)
    assert "Enrollment mode changed." in fire(page, "change_domain_mode", domain_id=row.id,
                                              mode="automatic_invitation")
    assert page.domains[0].mode == DomainMode.AUTOMATIC_INVITATION

    bo = make_user(name="Bo", email="bo@acme.com")
    bo_token = signed_in(bo)[1]
    selection = state_for(OrgSelectionState, bo_token, path="/org-selection")
    fire(selection, "on_load")
    assert [(o.org_name, o.mode) for o in selection.domain_offers] == [("Acme", "automatic_invitation")]
    fire(selection, "join_by_domain", org_id=org.id)
    assert selection.error == ""
    assert len(all_rows(Membership, org_id=org.id, user_id=bo.id)) == 1
    assert resolve(bo_token).org_id == org.id  # and the session is in it


def test_a_request_to_join_shows_as_requested_and_the_admin_approves_or_declines(team):
    org, token = team
    page = state_for(OrgSettingsState, token)
    fire(page, "load")
    verified_on_page(page)

    people = [make_user(name=name, email=f"{name.lower()}@acme.com") for name in ("Bo", "Cy")]
    for person in people:
        selection = state_for(OrgSelectionState, signed_in(person)[1], path="/org-selection")
        fire(selection, "on_load")
        fire(selection, "request_to_join", org_id=org.id)
        assert "Request sent" in selection.info and selection.error == ""
        assert selection.domain_offers[0].requested is True

    fire(page, "load")
    requests = {r.email: r.id for r in page.join_requests}
    assert set(requests) == {"bo@acme.com", "cy@acme.com"}
    assert "Request approved" in fire(page, "approve_request", request_id=requests["bo@acme.com"])
    assert "Request declined." in fire(page, "decline_request", request_id=requests["cy@acme.com"])
    assert page.join_requests == []
    assert {m.email for m in page.members} == {"ada@acme-hq.net", "bo@acme.com"}


def test_errors_end_in_a_toast_and_removal_asks_first(team):
    _, token = team
    page = state_for(OrgSettingsState, token)
    fire(page, "load")
    assert "public email provider" in fire(page, "add_domain", form={"domain": "gmail.com"})
    assert "Enter a domain like example.com" in fire(page, "add_domain", form={"domain": "https://acme.com/x"})
    fire(page, "add_domain", form={"domain": "acme.com"})
    row = page.domains[0]
    assert "Enter an address at acme.com" in fire(page, "send_domain_code",
                                                  form={"domain_id": row.id, "email": "me@gmail.com"})
    assert "expired" in fire(page, "verify_domain", form={"domain_id": row.id, "code": "123456"})

    fire(page, "ask", action="remove_domain", item_id=row.id)
    assert (page.confirm_action, page.confirm_name) == ("remove_domain", "acme.com")
    fire(page, "cancel_confirm")
    assert get(OrgDomain, row.id) is not None
    fire(page, "ask", action="remove_domain", item_id=row.id)
    assert "Domain removed." in fire(page, "remove_domain", domain_id=page.confirm_id)
    assert page.domains == [] and all_rows(OrgDomain) == []


def test_a_members_domain_events_are_refused_and_change_nothing(team):
    org, token = team
    admin_page = state_for(OrgSettingsState, token)
    fire(admin_page, "load")
    row = verified_on_page(admin_page)
    member = make_user(name="Max")
    add_member(org, member)
    page = state_for(OrgSettingsState, signed_in(member, org)[1])
    fire(page, "load")
    assert page.domains == [] and page.join_requests == []
    for handler, payload in (("add_domain", {"form": {"domain": "acme.org"}}),
                             ("change_domain_mode", {"domain_id": row.id, "mode": "automatic_invitation"}),
                             ("remove_domain", {"domain_id": row.id}),
                             ("send_domain_code", {"form": {"domain_id": row.id, "email": "x@acme.com"}}),
                             ("approve_request", {"request_id": "jrq_any"})):
        assert "Only admins can do this." in fire(page, handler, **payload), handler
    assert [(d.domain, d.mode) for d in all_rows(OrgDomain)] == [("acme.com", DomainMode.SUGGESTION)]
    assert all_rows(JoinRequest) == []
