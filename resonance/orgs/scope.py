"""Tenant scoping, written once: every ORM query on tenant tables is filtered to the session's organization.

A session is either *scoped* to one organization (`tenant_session(org_id)`) or explicitly *unscoped* (sign-in,
seeding, jobs that span organizations). A query on a tenant table from a session that is neither fails loudly
instead of silently reading every organization. Another organization's row therefore reads as "not found".

Models opt in by inheriting `OrgOwned` (`org_id` must match) or `OrgOwnedOrShared` (`org_id` matches or is NULL:
system voices). Core SQL and text statements bypass this; services do not use them for tenant data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, or_
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlmodel import Session

from resonance.core.db import session_scope

ORG_KEY = "tenant_org_id"
UNSCOPED_KEY = "tenant_unscoped"


_OWNED: list[type] = []
_SHARED: list[type] = []


class OrgOwned:
    """Mixin for rows that belong to exactly one organization."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _OWNED.append(cls)


class OrgOwnedOrShared:
    """Mixin for rows that belong to one organization or, with org_id NULL, to everyone."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _SHARED.append(cls)


class TenantScopeError(RuntimeError):
    """A tenant table was queried from a session with no organization and no explicit `unscoped()`."""


@contextmanager
def tenant_session(org_id: str) -> Iterator[Session]:
    """A unit of work that sees and writes only `org_id`'s rows (plus shared ones)."""
    with session_scope() as session:
        session.info[ORG_KEY] = org_id
        yield session


@contextmanager
def system_session() -> Iterator[Session]:
    """A unit of work across organizations, for identity flows, seeding and jobs."""
    with session_scope() as session:
        session.info[UNSCOPED_KEY] = True
        yield session


@contextmanager
def unscoped(session: Session) -> Iterator[Session]:
    """Lift the filter inside a block of a scoped session (e.g. looking an invitation up by its token)."""
    before = session.info.get(UNSCOPED_KEY, False)
    session.info[UNSCOPED_KEY] = True
    try:
        yield session
    finally:
        session.info[UNSCOPED_KEY] = before


def current_org(session: Session) -> str | None:
    return session.info.get(ORG_KEY)


def _touches_tenant_table(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, (OrgOwned, OrgOwnedOrShared)) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _filter_by_org(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement propagate to these loads
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.session.info.get(UNSCOPED_KEY) or not _touches_tenant_table(state):
        return
    org_id = state.session.info.get(ORG_KEY)
    if org_id is None:
        raise TenantScopeError("tenant table queried without an organization scope")
    # Shared rows (org_id NULL) are readable by everyone but writable by no tenant.
    shared_ok = state.is_select
    criteria = [with_loader_criteria(m, m.org_id == org_id, include_aliases=True) for m in _OWNED]
    criteria += [
        with_loader_criteria(
            m, or_(m.org_id == org_id, m.org_id.is_(None)) if shared_ok else m.org_id == org_id, include_aliases=True
        )
        for m in _SHARED
    ]
    state.statement = state.statement.options(*criteria)


@event.listens_for(Session, "before_flush")
def _writes_stay_in_org(session: Session, _context, _instances) -> None:
    # A scoped session may only add or change rows of its own organization (never shared ones).
    org_id = session.info.get(ORG_KEY)
    if org_id is None or session.info.get(UNSCOPED_KEY):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (OrgOwned, OrgOwnedOrShared)) and obj.org_id != org_id:
            raise TenantScopeError(f"write to another organization's {type(obj).__name__}")
