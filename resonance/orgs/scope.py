"""Tenant scoping, written once: every ORM query on tenant tables is filtered to the session's organization.

A session is either *scoped* to one organization (`tenant_session(org_id)`) or explicitly *unscoped* (sign-in,
seeding, jobs that span organizations). A query on a tenant table from a session that is neither fails loudly
instead of silently reading every organization. Another organization's row therefore reads as "not found".

Models opt in by inheriting `OrgOwned` (`org_id` must match) or `OrgOwnedOrShared` (`org_id` matches or is NULL:
system voices). Core SQL and text statements bypass this; services do not use them for tenant data.

On PostgreSQL the database enforces the same wall with row-level security (migration c7a1b2d3e701): every
transaction of a tenant session sets `app.current_org`, and of a system session (or inside `unscoped()`)
`app.system = 'on'`; a policy on every tenant table admits only rows that match. A statement that forgets its filter
(raw SQL, Core) therefore still sees nothing foreign when the app connects as a role without BYPASSRLS. A session that
is neither scoped nor unscoped sets neither, and sees no organization's rows (shared ones only). SQLite has no
row-level security.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, or_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, SessionTransaction, with_loader_criteria
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session

from resonance.core.db import session_scope, set_transaction_scope

ORG_KEY = "tenant_org_id"
UNSCOPED_KEY = "tenant_unscoped"


_OWNED: list[type] = []
_SHARED: list[type] = []


class OrgOwned:
    """Mixin for rows that belong to exactly one organization. They are deleted with it, except those that the
    model's optional classmethod `outlives_organization()` (a WHERE clause) selects."""

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
        _set_database_scope(session)
        yield session
        if not before:
            session.flush()  # what the block wrote is checked as written: unscoped
    finally:
        session.info[UNSCOPED_KEY] = before
        if not before:
            _forget_foreign_rows(session)
            transaction = session.get_transaction()
            if transaction is not None and transaction.is_active:  # after a failed flush the rollback reset it
                _set_database_scope(session)


def _forget_foreign_rows(session: Session) -> None:
    # Rows of other organizations loaded inside the block leave the identity map, or a later `session.get()` of
    # their id would be answered from it, past the filter.
    org_id = session.info.get(ORG_KEY)
    if org_id is None:
        return
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (OrgOwned, OrgOwnedOrShared)) and obj.org_id is not None and obj.org_id != org_id:
            session.expunge(obj)


# Row-level security: the scope, told to PostgreSQL per transaction


@event.listens_for(Session, "after_begin")
def _scope_transaction(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    if ORG_KEY in session.info or UNSCOPED_KEY in session.info:
        _tell_database(session, connection)


def _set_database_scope(session: Session) -> None:
    """Tell the current transaction about a change of scope (entering or leaving `unscoped()`)."""
    if session.get_bind().dialect.name == "postgresql":
        _tell_database(session, session.connection())


def _tell_database(session: Session, connection: Connection) -> None:
    set_transaction_scope(connection, org_id=session.info.get(ORG_KEY) or "",
                          system=bool(session.info.get(UNSCOPED_KEY)))


def current_org(session: Session) -> str | None:
    return session.info.get(ORG_KEY)


def _touches_tenant_table(state: ORMExecuteState) -> bool:
    if any(issubclass(m.class_, (OrgOwned, OrgOwnedOrShared)) for m in state.all_mappers):
        return True
    # `all_mappers` names only the selected entities: a tenant table reached through a join, `select_from` or a
    # subquery (`select(User).join(Membership)`, `select(func.count()).select_from(Voice)`) must count too.
    tenant = {m.__tablename__ for m in (*_OWNED, *_SHARED)}
    return any(getattr(table, "name", None) in tenant for table in find_tables(state.statement))


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
    # The criteria are lambdas so that they follow aliases (`aliased(Membership)`); `org_id` becomes a bound parameter.
    own = lambda cls: cls.org_id == org_id  # noqa: E731
    own_or_shared = lambda cls: or_(cls.org_id == org_id, cls.org_id.is_(None))  # noqa: E731
    shared_rule = own_or_shared if state.is_select else own
    criteria = [with_loader_criteria(m, own, include_aliases=True) for m in _OWNED]
    criteria += [with_loader_criteria(m, shared_rule, include_aliases=True) for m in _SHARED]
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
