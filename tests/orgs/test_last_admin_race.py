"""Attack: two Admins take each other's admin rights away at the same moment (demote, remove or leave), hoping both
checks count two Admins and the organization ends with none. On SQLite and PostgreSQL, with two threads.

The race window of the unprotected code is a few statements wide, too narrow to hit on every run, so the test widens
it deterministically: it wraps the Admin count each path calls (`members.admin_count`, `organizations._admins`) so
that a thread that has counted waits until the other thread has counted too, or has asked for the organization's
membership lock (`organizations.lock_memberships`; a thread holding the lock waits only until the other one is on
its way into it, where it then blocks). Unprotected, both threads count two Admins and both changes commit; with the
lock, the second thread counts only after the first committed, and is refused.
"""

from __future__ import annotations

import threading

import pytest

from resonance.core.errors import Forbidden, NotFound
from resonance.orgs import members, organizations
from resonance.orgs.models import Membership, Role
from resonance.orgs.scope import tenant_session
from tests.factories import add_member, all_rows, make_org, make_user, signed_in

DEADLINE_S = 30.0  # generous: a thread waits this long only if the other one is stuck


class Rendezvous:
    """Counted → wait until the other thread has counted too or is on its way into the lock."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counted: set[int] = set()
        self._locking: set[int] = set()

    def wrap_count(self, count):
        def counted(session, *args):
            value = count(session, *args)
            me = threading.get_ident()
            with self._changed:
                self._counted.add(me)
                self._changed.notify_all()
                assert self._changed.wait_for(lambda: (self._counted | self._locking) - {me}, DEADLINE_S)
            return value
        return counted

    def wrap_lock(self, lock):
        def locking(session, org_id):
            with self._changed:
                self._locking.add(threading.get_ident())
                self._changed.notify_all()
            return lock(session, org_id)
        return locking


@pytest.fixture
def two_admins(db, monkeypatch):
    alice, bob = make_user(name="Alice"), make_user(name="Bob")
    org = make_org(admin=alice)
    add_member(org, bob, role=Role.ADMIN)
    (alice_membership,) = all_rows(Membership, user_id=alice.id)
    (bob_membership,) = all_rows(Membership, user_id=bob.id)
    rendezvous = Rendezvous()
    monkeypatch.setattr(members, "admin_count", rendezvous.wrap_count(members.admin_count))
    monkeypatch.setattr(organizations, "_admins", rendezvous.wrap_count(organizations._admins))
    if hasattr(organizations, "lock_memberships"):
        monkeypatch.setattr(organizations, "lock_memberships", rendezvous.wrap_lock(organizations.lock_memberships))
    return {"org": org, "alice": (signed_in(alice, org)[0], alice_membership),
            "bob": (signed_in(bob, org)[0], bob_membership)}


def demote(actor, other):
    return lambda session: members.change_role(session=session, actor=actor, membership_id=other.id, role=Role.MEMBER)


def remove(actor, other):
    return lambda session: members.remove(session=session, actor=actor, membership_id=other.id)


def leave(actor, _other):
    return lambda session: organizations.leave(session=session, actor=actor)


def race(org_id: str, *actions) -> list[object]:
    """Run each action in its own thread and tenant session, all released at once; each one's outcome."""
    start = threading.Barrier(len(actions), timeout=DEADLINE_S)
    outcomes: list[object] = [None] * len(actions)

    def attempt(index: int, action) -> None:
        start.wait()
        try:
            with tenant_session(org_id) as session:
                action(session)
            outcomes[index] = "ok"
        except Exception as error:  # noqa: BLE001  (the outcome is what the test checks)
            outcomes[index] = error

    threads = [threading.Thread(target=attempt, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S * 2)
        assert not thread.is_alive()
    return outcomes


@pytest.mark.parametrize("alice_does, bob_does", [(demote, demote), (remove, remove), (leave, leave), (remove, demote)],
                         ids=["demote-demote", "remove-remove", "leave-leave", "remove-demote"])
def test_two_admins_taking_each_others_rights_at_once_leave_one_admin(two_admins, alice_does, bob_does):
    alice, alice_membership = two_admins["alice"]
    bob, bob_membership = two_admins["bob"]

    outcomes = race(two_admins["org"].id, alice_does(alice, bob_membership), bob_does(bob, alice_membership))

    assert outcomes.count("ok") == 1, outcomes
    (refused,) = [o for o in outcomes if o != "ok"]
    assert isinstance(refused, (Forbidden, NotFound)), repr(refused)
    admins = [m for m in all_rows(Membership, org_id=two_admins["org"].id) if m.role == Role.ADMIN]
    assert len(admins) == 1


def test_an_admin_demoted_after_loading_the_page_cannot_delete_the_organization(db):
    """Attack: Bob, about to lose his role, sends "delete" with the principal his event loaded before Alice's demotion
    committed; the deletion re-reads his role under the membership lock."""
    alice, bob = make_user(name="Alice"), make_user(name="Bob")
    org = make_org(admin=alice)
    add_member(org, bob, role=Role.ADMIN)
    (bob_membership,) = all_rows(Membership, user_id=bob.id)
    bob_as_loaded = signed_in(bob, org)[0]  # still says Admin
    with tenant_session(org.id) as session:
        members.change_role(session=session, actor=signed_in(alice, org)[0], membership_id=bob_membership.id,
                            role=Role.MEMBER)
    with pytest.raises(Forbidden), tenant_session(org.id) as session:
        organizations.delete_org(session=session, actor=bob_as_loaded, confirmation=org.name)
    assert all_rows(Membership, org_id=org.id)
