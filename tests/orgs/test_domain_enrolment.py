"""Joining through a verified domain (orgs/domain_enrolment.py): automatic invitation (join at once as a Member) and
suggestion (request; an Admin approves or declines). Only a verified address at a verified domain is offered
anything, members nothing; concurrent joins add one membership."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.orgs import domain_enrolment, domains
from resonance.orgs.models import DomainMode, JoinRequest, JoinRequestStatus, Membership, OrgDomain, Role
from resonance.orgs.scope import system_session, tenant_session
from tests.factories import add_member, all_rows, audit_actions, make_org, make_user, signed_in
from tests.orgs.test_last_admin_race import Rendezvous, race
from tests.orgs.test_verified_domains import verified_domain

pytestmark = pytest.mark.usefixtures("sqlite_db")


def offers(actor) -> list[domain_enrolment.Offer]:
    with system_session() as session:
        return domain_enrolment.offers_for(session=session, actor=actor)


def join(actor, org_id: str) -> str:
    """As /org-selection does: in the chosen organization's tenant session."""
    with tenant_session(org_id) as session:
        return domain_enrolment.join(session=session, actor=actor, org_id=org_id)


def request(actor, org_id: str) -> None:
    with tenant_session(org_id) as session:
        domain_enrolment.request_to_join(session=session, actor=actor, org_id=org_id)


def pending(admin) -> list[domain_enrolment.RequestView]:
    with tenant_session(admin.org_id) as session:
        return domain_enrolment.pending_requests(session=session, actor=admin)


def decide(admin, request_id: str, *, approve: bool) -> None:
    with tenant_session(admin.org_id) as session:
        action = domain_enrolment.approve if approve else domain_enrolment.decline
        action(session=session, actor=admin, request_id=request_id)


def membership(org, user) -> list[Membership]:
    return all_rows(Membership, org_id=org.id, user_id=user.id)


def person(email: str = "bo@acme.com", *, verified: bool = True):
    user = make_user(name="Bo", email=email, verified=verified)
    return user, signed_in(user)[0]


@pytest.fixture
def acme():
    """Acme, whose Admin verified acme.com (suggestion mode to start)."""
    user = make_user(name="Ada Admin", email="ada@acme-admins.net")
    org = make_org(admin=user, name="Acme")
    admin = signed_in(user, org)[0]
    return org, admin, verified_domain(admin, "acme.com")


def set_mode(admin, row: OrgDomain, mode: str) -> None:
    with tenant_session(admin.org_id) as session:
        domains.set_mode(session=session, actor=admin, domain_id=row.id, mode=mode)


def test_automatic_invitation_a_verified_address_at_the_domain_joins_as_member_in_one_click(db, acme):
    org, admin, row = acme
    set_mode(admin, row, DomainMode.AUTOMATIC_INVITATION)
    user, bo = person("Bo@ACME.com")

    assert [(o.org_id, o.org_name, o.domain, o.mode) for o in offers(bo)] == \
        [(org.id, "Acme", "acme.com", DomainMode.AUTOMATIC_INVITATION)]
    assert join(bo, org.id) == org.id
    (joined,) = membership(org, user)
    assert joined.role == Role.MEMBER
    assert offers(bo) == []  # a member is offered nothing
    assert join(bo, org.id) == org.id and len(membership(org, user)) == 1  # again: harmless
    assert "member.joined_by_domain" in audit_actions(org)


def test_suggestion_a_request_waits_for_an_admin_who_approves_it(db, acme):
    org, admin, _ = acme
    user, bo = person()
    (offer,) = offers(bo)
    assert (offer.mode, offer.requested) == (DomainMode.SUGGESTION, False)
    with pytest.raises(NotFound):
        join(bo, org.id)  # a suggestion is no invitation

    request(bo, org.id)
    request(bo, org.id)  # asking twice is one request
    assert offers(bo)[0].requested is True and membership(org, user) == []
    (waiting,) = pending(admin)
    assert (waiting.email, waiting.name) == ("bo@acme.com", "Bo")

    decide(admin, waiting.id, approve=True)
    assert [m.role for m in membership(org, user)] == [Role.MEMBER]
    assert pending(admin) == [] and offers(bo) == []
    with pytest.raises(Invalid, match="already approved"):
        decide(admin, waiting.id, approve=True)
    assert {"join_request.created", "join_request.approved"} <= set(audit_actions(org))


def test_suggestion_a_declined_request_adds_no_one_and_is_not_offered_again(db, acme):
    org, admin, _ = acme
    user, bo = person()
    request(bo, org.id)
    decide(admin, pending(admin)[0].id, approve=False)
    assert membership(org, user) == [] and pending(admin) == []
    assert offers(bo) == []
    with pytest.raises(NotFound):
        request(bo, org.id)
    (row,) = all_rows(JoinRequest)
    assert (row.status, row.decided_by) == (JoinRequestStatus.DECLINED, admin.user_id)
    assert "join_request.declined" in audit_actions(org)


@pytest.mark.parametrize("mode", list(DomainMode))
def test_unverified_email_claims_an_unverified_address_at_the_domain_is_offered_nothing(db, acme, mode):
    org, admin, row = acme
    set_mode(admin, row, mode)
    user, mallory = person("ceo@acme.com", verified=False)
    assert offers(mallory) == []
    with pytest.raises(NotFound):
        join(mallory, org.id)
    with pytest.raises(NotFound):
        request(mallory, org.id)
    assert membership(org, user) == [] and all_rows(JoinRequest) == []


def test_addresses_elsewhere_and_unverified_domains_are_offered_nothing(acme):
    org, admin, _ = acme
    with tenant_session(admin.org_id) as session:
        domains.add(session=session, actor=admin, domain="acme.org")  # added, never verified
    for email in ("bo@sub.acme.com", "bo@acme.com.evil.net", "bo@acme.org", "acme.com@evil.net"):
        _, someone = person(email)
        assert offers(someone) == [], email
        with pytest.raises(NotFound):
            request(someone, org.id)


def test_a_member_is_offered_nothing_and_cannot_request(acme):
    org, _, _ = acme
    user, bo = person()
    add_member(org, user)
    assert offers(bo) == []
    with pytest.raises(Invalid, match="already a member"):
        request(bo, org.id)


def test_another_organizations_id_or_a_made_up_one_reads_as_not_found(acme):
    _, _, _ = acme
    other = make_org(admin=make_user(name="Olga"), name="Other")
    _, bo = person()
    for org_id in (other.id, "org_made_up", "org\x00nul"):
        with pytest.raises(NotFound):
            join(bo, org_id)
        with pytest.raises(NotFound):
            request(bo, org_id)
    assert all_rows(Membership, org_id=other.id) != [] and all_rows(JoinRequest) == []


def test_removing_the_domain_stops_offers_and_drops_its_pending_requests(acme):
    org, admin, row = acme
    _, bo = person()
    request(bo, org.id)
    with tenant_session(admin.org_id) as session:
        domains.remove(session=session, actor=admin, domain_id=row.id)
    assert offers(bo) == [] and all_rows(JoinRequest) == []


def test_a_member_cannot_list_approve_or_decline_requests(acme):
    org, admin, _ = acme
    _, bo = person()
    request(bo, org.id)
    member_user = make_user(name="Max")
    add_member(org, member_user)
    member = signed_in(member_user, org)[0]
    (waiting,) = pending(admin)
    with tenant_session(org.id) as session:
        for action in (lambda: domain_enrolment.pending_requests(session=session, actor=member),
                       lambda: domain_enrolment.approve(session=session, actor=member, request_id=waiting.id),
                       lambda: domain_enrolment.decline(session=session, actor=member, request_id=waiting.id)):
            with pytest.raises(Forbidden):
                action()
    assert [r.status for r in all_rows(JoinRequest)] == [JoinRequestStatus.PENDING]


def test_another_organizations_request_id_reads_as_not_found(db, acme):
    org, _, _ = acme
    _, bo = person()
    request(bo, org.id)
    rival_user = make_user(name="Rita")
    rival = signed_in(rival_user, make_org(admin=rival_user, name="Rival"))[0]
    (waiting,) = all_rows(JoinRequest)
    for approve in (True, False):
        with pytest.raises(NotFound):
            decide(rival, waiting.id, approve=approve)
    assert all_rows(JoinRequest)[0].status == JoinRequestStatus.PENDING


def test_a_join_never_passes_the_member_limit(acme, configure):
    org, admin, row = acme
    set_mode(admin, row, DomainMode.AUTOMATIC_INVITATION)
    configure(ORG_MEMBER_LIMIT=1)
    user, bo = person()
    with pytest.raises(Invalid, match="full"):
        join(bo, org.id)
    assert membership(org, user) == []


def test_concurrent_joins_of_one_person_make_one_membership(db, acme, monkeypatch):
    """Attack/race: two tabs (or a double click) join at once. Each checks for a membership; the rendezvous makes
    both check before either inserts unless the organization's membership lock orders them."""
    org, admin, row = acme
    set_mode(admin, row, DomainMode.AUTOMATIC_INVITATION)
    user, bo = person()
    rendezvous = Rendezvous()
    monkeypatch.setattr(domain_enrolment, "_is_member", rendezvous.wrap_count(domain_enrolment._is_member))
    monkeypatch.setattr(domain_enrolment.organizations, "lock_memberships",
                        rendezvous.wrap_lock(domain_enrolment.organizations.lock_memberships))
    join_once = lambda session: domain_enrolment.join(session=session, actor=bo, org_id=org.id)  # noqa: E731

    outcomes = race(org.id, join_once, join_once)

    assert outcomes == ["ok", "ok"], outcomes
    assert len(membership(org, user)) == 1
    assert audit_actions(org).count("member.joined_by_domain") == 1


def test_two_people_joining_for_the_last_place_at_once_one_gets_it(db, acme, monkeypatch, configure):
    org, admin, row = acme
    set_mode(admin, row, DomainMode.AUTOMATIC_INVITATION)
    configure(ORG_MEMBER_LIMIT=2)  # the Admin and one more
    (_, bo), (_, cy) = person("bo@acme.com"), person("cy@acme.com")
    rendezvous = Rendezvous()
    monkeypatch.setattr(domain_enrolment, "_is_member", rendezvous.wrap_count(domain_enrolment._is_member))
    monkeypatch.setattr(domain_enrolment.organizations, "lock_memberships",
                        rendezvous.wrap_lock(domain_enrolment.organizations.lock_memberships))

    outcomes = race(org.id, lambda s: domain_enrolment.join(session=s, actor=bo, org_id=org.id),
                    lambda s: domain_enrolment.join(session=s, actor=cy, org_id=org.id))

    assert outcomes.count("ok") == 1, outcomes
    assert [type(o) for o in outcomes if o != "ok"] == [Invalid]
    assert len(all_rows(Membership, org_id=org.id)) == 2
