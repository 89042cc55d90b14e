"""An organization that requires two-step verification: only an admin who has it may require it; members without it
are left outside the organization (no org in their principal, every page sends them to set it up) until they do;
an admin resets the factors of a member who lost them all, without seeing any secret; all of it audited."""

from __future__ import annotations

import pyotp
import pytest

from resonance.core import routes
from resonance.core.errors import Forbidden, Invalid
from resonance.identity import mfa
from resonance.identity.models import BackupCode, Passkey, TotpFactor, User
from resonance.orgs import members, organizations
from resonance.orgs.models import AuditEvent
from resonance.orgs.scope import system_session, tenant_session
from resonance.ui.states.auth import AuthState
from tests.factories import add_member, all_rows, make_org, make_user, resolve, signed_in
from tests.ui.states.events import fire, state_for


def turn_on(user: User) -> str:
    with system_session() as session:
        secret = mfa.begin(session=session, user=session.get(User, user.id)).secret
    with system_session() as session:
        mfa.confirm(session=session, user_id=user.id, code=pyotp.TOTP(secret).now())
    return secret


def require(actor, required: bool = True):
    with tenant_session(actor.org_id) as session:
        organizations.set_two_step_required(session=session, actor=actor, required=required)


@pytest.fixture
def team(db):
    admin, member = make_user(), make_user()
    org = make_org(admin=admin)
    membership = add_member(org, member)
    return {"org": org, "admin": admin, "member": member, "membership": membership}


def test_an_admin_without_two_step_cannot_require_it_and_a_member_cannot_at_all(team):
    admin, _ = signed_in(team["admin"], team["org"])
    with pytest.raises(Forbidden, match="your own account first"):
        require(admin)
    member, _ = signed_in(team["member"], team["org"])
    with pytest.raises(Forbidden):
        require(member)
    turn_on(team["admin"])
    require(admin)
    actions = [e.action for e in all_rows(AuditEvent, org_id=team["org"].id)]
    assert "organization.two_step_required" in actions


def test_a_member_without_two_step_is_kept_out_until_they_set_it_up(team):
    turn_on(team["admin"])
    require(signed_in(team["admin"], team["org"])[0])
    blocked, token = signed_in(team["member"], team["org"])
    assert blocked.org_id is None and blocked.role is None and blocked.two_step_for == team["org"].name
    page = state_for(AuthState, token, path="/voices")
    assert routes.TWO_STEP_REQUIRED in fire(page, "require_org")
    account = state_for(AuthState, token, path="/account")
    fire(account, "require_account")
    assert account.ready  # the page where they set it up opens
    assert resolve(token).org_id is None

    turn_on(team["member"])
    let_in = resolve(token)
    assert let_in.org_id == team["org"].id and let_in.two_step_for == ""
    assert routes.TWO_STEP_REQUIRED not in fire(state_for(AuthState, token, path="/voices"), "require_org")
    # The admin, who has it, was never affected; making it optional lets anyone in again.
    assert resolve(signed_in(team["admin"], team["org"])[1]).org_id == team["org"].id


def test_optional_again_lets_members_without_it_in(team):
    turn_on(team["admin"])
    admin = signed_in(team["admin"], team["org"])[0]
    require(admin)
    _, token = signed_in(team["member"], team["org"])
    assert resolve(token).org_id is None
    require(admin, False)
    assert resolve(token).org_id == team["org"].id


def test_an_admin_resets_a_members_factors_and_it_is_audited(team):
    turn_on(team["member"])
    admin = signed_in(team["admin"], team["org"])[0]
    with tenant_session(team["org"].id) as session:
        listed = {m.user_id: m.two_step for m in members.list_members(session=session, actor=admin)}
    assert listed == {team["admin"].id: False, team["member"].id: True}
    member = signed_in(team["member"], team["org"])[0]
    with tenant_session(team["org"].id) as session, pytest.raises(Forbidden):
        members.reset_two_step(session=session, actor=member, membership_id=team["membership"].id)
    with tenant_session(team["org"].id) as session:
        members.reset_two_step(session=session, actor=admin, membership_id=team["membership"].id)
    assert all_rows(TotpFactor) == [] and all_rows(BackupCode) == []
    (event,) = [e for e in all_rows(AuditEvent, org_id=team["org"].id) if e.action == "member.two_step_reset"]
    assert event.detail == team["member"].email


def test_an_admin_cannot_reset_their_own_factors_here(team):
    turn_on(team["admin"])
    admin = signed_in(team["admin"], team["org"])[0]
    with tenant_session(team["org"].id) as session:
        own = next(m for m in members.list_members(session=session, actor=admin) if m.user_id == admin.user_id)
    with tenant_session(team["org"].id) as session, pytest.raises(Invalid, match="account page"):
        members.reset_two_step(session=session, actor=admin, membership_id=own.membership_id)
    assert len(all_rows(TotpFactor)) == 1


def test_a_passkey_meets_the_policy_and_an_admins_reset_removes_it_too(team):
    turn_on(team["admin"])
    require(signed_in(team["admin"], team["org"])[0])
    _, token = signed_in(team["member"], team["org"])
    with system_session() as session:  # what adding one on /account stores (tests/identity/test_passkeys.py)
        session.add(Passkey(user_id=team["member"].id, credential_id="cred-1", public_key="key", name="Phone"))
    assert resolve(token).org_id == team["org"].id
    with tenant_session(team["org"].id) as session:
        members.reset_two_step(session=session, actor=signed_in(team["admin"], team["org"])[0],
                               membership_id=team["membership"].id)
    assert all_rows(Passkey) == [] and resolve(token).org_id is None


def test_a_member_of_other_organizations_too_cannot_be_reset_from_one(team):
    """Factors belong to the account: one organization's admin must not weaken it for the others."""
    turn_on(team["member"])
    make_org(admin=team["member"], name="Their Own")
    admin = signed_in(team["admin"], team["org"])[0]
    with tenant_session(team["org"].id) as session, pytest.raises(Forbidden, match="other organizations"):
        members.reset_two_step(session=session, actor=admin, membership_id=team["membership"].id)
    assert len(all_rows(TotpFactor)) == 1
