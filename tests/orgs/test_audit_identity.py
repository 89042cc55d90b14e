"""An Admin's audit log shows the members' security events (sign-ins, password and two-step changes) since they
joined, read through the organization's memberships: never those of people outside it, of another organization's
members, or from before a member joined; a member cannot read it; email changes stay the owner's business."""

from __future__ import annotations

import pytest

from resonance.core.errors import Forbidden
from resonance.identity import security_events, sessions
from resonance.identity.models import User
from resonance.orgs import audit, members
from resonance.orgs.scope import system_session, tenant_session
from resonance.ui.states.org_settings import OrgSettingsState
from tests.factories import add_member, make_org, make_user, signed_in
from tests.ui.states.events import fire, state_for

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def sign_in(user: User, method: str = "password") -> None:
    with system_session() as session:
        sessions.start(session=session, user=session.get(User, user.id), ip="203.0.113.7", user_agent=CHROME,
                       method=method)


def record(user: User, kind: str, **details) -> None:
    with system_session() as session:
        security_events.record(session, session.get(User, user.id), kind, ip="203.0.113.7", **details)


def log_of(admin) -> list[audit.Entry]:
    with tenant_session(admin.org_id) as session:
        return audit.log(session=session, actor=admin)


@pytest.fixture
def world(db, clock):
    """Two organizations, each with an Admin and a member; a person in neither; everyone has signed in once."""
    alice, bob, carol, dave, eve = (make_user(name=n) for n in ("Alice", "Bob", "Carol", "Dave", "Eve"))
    org_a, org_b = make_org(admin=alice, name="A"), make_org(admin=carol, name="B")
    add_member(org_a, bob)
    add_member(org_b, dave)
    clock.advance(seconds=1)
    admin_a, _ = signed_in(alice, org_a)
    admin_b, _ = signed_in(carol, org_b)
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "eve": eve, "a": admin_a, "b": admin_b,
            "org_a": org_a}


def test_admins_see_their_members_identity_events_and_no_one_elses(world, clock):
    bob, dave, eve = world["bob"], world["dave"], world["eve"]
    clock.advance(seconds=1)
    sign_in(bob, method="google")
    record(bob, security_events.TWO_STEP_ON)
    record(bob, security_events.PASSWORD_CHANGED)
    record(bob, security_events.EMAIL_CHANGED, old_email="old@example.com", new_email=bob.email)
    for outsider in (dave, eve):
        sign_in(outsider)
        record(outsider, security_events.TWO_STEP_OFF)

    entries = log_of(world["a"])
    identity = [e for e in entries if e.action.startswith("account.")]
    assert {e.who for e in identity} == {bob.email, world["alice"].email}
    bobs = {e.action: e.detail for e in identity if e.who == bob.email}
    assert bobs == {
        "account.signed_in": "Signed in (Google) · Chrome on Linux · 203.0.113.x",
        "account.two_step_on": "Two-step verification turned on · Unknown device · 203.0.113.x",
        "account.password_changed": "Password changed · Unknown device · 203.0.113.x",
    }  # the email change is not the organization's business
    assert "organization.created" in {e.action for e in entries}  # with the organization's own actions
    assert [e.created_at for e in entries] == sorted((e.created_at for e in entries), reverse=True)
    assert not {e.who for e in log_of(world["b"])} & {bob.email, eve.email, world["alice"].email}


def test_events_from_before_joining_or_after_leaving_are_not_shown(world, clock):
    eve = world["eve"]
    sign_in(eve)
    clock.advance(seconds=1)
    membership = add_member(world["org_a"], eve)
    clock.advance(seconds=1)
    record(eve, security_events.TWO_STEP_ON)
    assert [e.action for e in log_of(world["a"]) if e.who == eve.email] == ["account.two_step_on"]

    with tenant_session(world["a"].org_id) as session:
        members.remove(session=session, actor=world["a"], membership_id=membership.id)
    assert [e for e in log_of(world["a"]) if e.who == eve.email and e.action.startswith("account.")] == []


def test_members_cannot_read_the_identity_events(world):
    bob_member, _ = signed_in(world["bob"], world["org_a"])
    with tenant_session(bob_member.org_id) as session, pytest.raises(Forbidden):
        audit.members_security(session=session, actor=bob_member)


def test_the_settings_page_shows_them_to_the_admin(world, clock):
    clock.advance(seconds=1)
    record(world["bob"], security_events.BACKUP_CODE_USED, left=9)
    sign_in(world["dave"])
    _, token = signed_in(world["alice"], world["org_a"])
    page = state_for(OrgSettingsState, token)
    fire(page, "load")
    rows = [(r.who, r.action) for r in page.audit_events]
    assert (world["bob"].email, "account.backup_code_used") in rows
    assert not [r for r in page.audit_events if r.who in (world["dave"].email, world["eve"].email)]
