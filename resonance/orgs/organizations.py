"""Creating, listing, switching, renaming, leaving and deleting organizations, and their two-step policy."""

from __future__ import annotations

import re
import secrets
from typing import NamedTuple

from sqlalchemy import delete, not_, update
from sqlmodel import Session, col, func, select

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.identity import mfa
from resonance.identity.models import AuthSession
from resonance.orgs import audit, purge
from resonance.orgs.models import Membership, Organization, Role
from resonance.orgs.principal import Principal, require_admin, require_org, require_user
from resonance.orgs.scope import unscoped

MAX_NAME = 80


def get(*, session: Session, org_id: str) -> Organization:
    """The organization the session is scoped to (tenant data is read in its session, so it exists)."""
    organization = session.get(Organization, org_id)
    if organization is None:
        raise NotFound("Organization not found")
    return organization


def _clean_name(name: str) -> str:
    name = " ".join(text_input.text(name, "Organization name").split())  # line breaks and tabs become spaces
    if not name:
        raise Invalid("Enter the organization's name.")
    if len(name) > MAX_NAME:
        raise Invalid(f"Organization name must be at most {MAX_NAME} characters.")
    return name


def _slug(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "org"
    slug = base
    while session.exec(select(Organization.id).where(Organization.slug == slug)).first():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def create(*, session: Session, actor: Principal, name: str) -> Organization:
    """A new organization with the actor as its first Admin (system session: it spans organizations)."""
    require_user(actor)
    name = _clean_name(name)
    created = session.exec(select(func.count(Organization.id)).where(Organization.created_by == actor.user_id)).one()
    if created >= get_settings().ORGS_PER_USER_LIMIT:
        raise Invalid(f"You can create at most {get_settings().ORGS_PER_USER_LIMIT} organizations.")
    org = Organization(name=name, slug=_slug(session, name), created_by=actor.user_id)
    session.add(org)
    session.flush()
    session.add(Membership(org_id=org.id, user_id=actor.user_id, role=Role.ADMIN))
    audit.record(session=session, org_id=org.id, actor=actor, action="organization.created", detail=name)
    return org


class UserOrg(NamedTuple):
    id: str
    name: str
    role: str


def for_user(*, session: Session, user_id: str) -> list[UserOrg]:
    """The user's organizations with their role in each, by name (system session). Columns, not model instances:
    every page load of the app shell asks for them."""
    rows = session.exec(
        select(Organization.id, Organization.name, Membership.role)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(col(Organization.name))
    ).all()
    return [UserOrg(*row) for row in rows]


def switch(*, session: Session, actor: Principal, org_id: str | None) -> None:
    """Make `org_id` the active organization of the actor's session; not found unless the actor belongs to it."""
    require_user(actor)
    if org_id is not None:
        if not text_input.is_line(org_id):
            raise NotFound("Organization not found.")
        member = session.exec(
            select(Membership.id).where(Membership.org_id == org_id, Membership.user_id == actor.user_id)
        ).first()
        if member is None:
            raise NotFound("Organization not found.")
    row = session.get(AuthSession, actor.session_id)
    row.active_org_id = org_id
    session.add(row)


def reopen_for(*, session: Session, user_id: str) -> str | None:
    """The organization a new session of the user opens in (system session): the one their most recent session had
    active, if they still belong to it; else their only organization; else None (they choose on /org-selection)."""
    recent = session.exec(
        select(AuthSession.active_org_id)
        .join(Membership, (Membership.org_id == AuthSession.active_org_id) & (Membership.user_id == user_id))
        .where(AuthSession.user_id == user_id)
        .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.created_at).desc())
    ).first()
    if recent:
        return recent
    mine = session.exec(select(Membership.org_id).where(Membership.user_id == user_id).limit(2)).all()
    return mine[0] if len(mine) == 1 else None


def rename(*, session: Session, actor: Principal, name: str) -> Organization:
    require_admin(actor)
    org = session.get(Organization, actor.org_id)
    old, org.name, org.updated_at = org.name, _clean_name(name), clock.now()
    session.add(org)
    audit.record(session=session, org_id=org.id, actor=actor, action="organization.renamed", detail=f"{old} → {org.name}")
    return org


def two_step_required(*, session: Session, actor: Principal) -> bool:
    require_org(actor)
    return session.get(Organization, actor.org_id).require_two_step


def set_two_step_required(*, session: Session, actor: Principal, required: bool) -> Organization:
    """Require two-step verification of every member (those without it are sent to set it up before they enter:
    orgs/principal.py), or stop requiring it. Audited."""
    require_admin(actor)
    if required and not mfa.enrolled(session=session, user_id=actor.user_id):
        raise Forbidden("Turn on two-step verification for your own account first, so you are not locked out.")
    org = session.get(Organization, actor.org_id)
    if org.require_two_step != required:
        org.require_two_step, org.updated_at = required, clock.now()
        session.add(org)
        audit.record(session=session, org_id=org.id, actor=actor,
                     action="organization.two_step_required" if required else "organization.two_step_optional")
    return org


def leave(*, session: Session, actor: Principal) -> None:
    """Leave the active organization; the last Admin must hand over or delete it first."""
    require_org(actor)
    lock_memberships(session, actor.org_id)
    mine = session.exec(select(Membership).where(Membership.user_id == actor.user_id)).first()
    if mine is None:  # removed by an Admin meanwhile
        raise NotFound("You are no longer a member of this organization.")
    if mine.role == Role.ADMIN and _admins(session) <= 1:
        raise Forbidden("You are the last admin. Make someone else an admin, or delete the organization.")
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="member.left", detail=actor.email)
    session.delete(mine)
    _clear_active(session, org_id=actor.org_id, user_id=actor.user_id)


def delete_org(*, session: Session, actor: Principal, confirmation: str) -> None:
    """Delete the organization and all its data; the actor must type its exact name. Its stored files are deleted
    by a job (purge.py) that the caller's job runner picks up after the commit."""
    require_admin(actor)
    lock_as_admin(session, actor)  # an Admin demoted this instant deletes nothing
    org = session.get(Organization, actor.org_id)
    if (confirmation or "").strip() != org.name:
        raise Invalid("Type the organization's name exactly to confirm.")
    _clear_active(session, org_id=org.id)
    # Tenant rows go with the organization (ON DELETE CASCADE); deleted explicitly too, for databases
    # where foreign keys are off, and in dependency order. A model keeps the rows its `outlives_organization()`
    # selects (usage not yet delivered to Polar, which the sender still bills).
    from resonance.orgs.scope import _OWNED, _SHARED  # every tenant table, whatever domain declares it

    for model in sorted(_OWNED + _SHARED, key=lambda m: m.__tablename__ != "generations"):
        statement = delete(model)
        if (kept := getattr(model, "outlives_organization", None)) is not None:
            statement = statement.where(not_(kept()))
        session.exec(statement)
    # The stored audio and voice files go in a durable job, once this transaction has committed.
    purge.schedule(session, org.id)
    with unscoped(session):
        session.delete(session.get(Organization, org.id))


def lock_memberships(session: Session, org_id: str) -> None:
    """Hold the organization's membership lock until this transaction ends. Every change that can take an Admin away
    (role change, removal, leaving) takes it before it counts the Admins, so two such changes run one after the
    other and the second counts what the first committed: an organization never loses its last Admin to a race.

    PostgreSQL: a row lock on the organization, FOR NO KEY UPDATE, which conflicts with itself but not with the KEY
    SHARE lock that inserts referencing the organization take (generations, invitations go on meanwhile). SQLite:
    a write, which takes the database's write lock at once (what BEGIN IMMEDIATE does), so the reads that follow
    see the last committed state and no other writer commits before this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Organization.id).where(Organization.id == org_id).with_for_update(key_share=True)).first()
    else:
        session.exec(update(Organization).where(Organization.id == org_id)
                     .values(updated_at=Organization.updated_at))


def lock_as_admin(session: Session, actor: Principal) -> None:
    """Take the organization's membership lock, then check that the actor is still an Admin: the principal was read
    before the lock, and another Admin may have demoted or removed them since."""
    lock_memberships(session, actor.org_id)
    role = session.exec(select(Membership.role).where(Membership.user_id == actor.user_id)).first()
    if role != Role.ADMIN:
        raise Forbidden("Only admins can do this.")


def _admins(session: Session) -> int:
    return session.exec(select(func.count(Membership.id)).where(Membership.role == Role.ADMIN)).one()


def _clear_active(session: Session, *, org_id: str, user_id: str | None = None) -> None:
    query = update(AuthSession).where(AuthSession.active_org_id == org_id)
    if user_id:
        query = query.where(AuthSession.user_id == user_id)
    session.exec(query.values(active_org_id=None))
