"""The database engine and `session_scope()`, the one unit of work per event, request or job."""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Executable, Select, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from resonance.core.config import get_settings

log = logging.getLogger("resonance.db")


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine() -> Engine:
    """The engine of the configured database: one per URL, made on first use, so its pool and its compiled
    statements last as long as the process."""
    url = get_settings().DATABASE_URL
    engine = _engines.get(url)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = _create_engine(url)
    return engine


def dispose_engines(*, close: bool = True) -> None:
    """Close the pooled connections of every engine made so far and forget the engines (`close=False` in a forked
    process: the connections are the parent's, so they are dropped without being closed)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose(close=close)


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        get_settings().DATA_DIR.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer (a cut network, a host being replaced) fails the connection attempt after
    # CONNECT_TIMEOUT_SECONDS instead of libpq's default of waiting forever; a URL that names its own keeps it.
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=connect_args)
    return configure_postgres(engine, ping_after_idle=PING_AFTER_IDLE_SECONDS)


# PostgreSQL: every round trip and every statement the server plans counts (every signed-in event validates its
# session). psycopg 3, the default driver, prepares statements the server sees often; a pooled connection is pinged
# only after it sat idle; with psycopg2 the row-level security settings of a transaction travel with its first
# statement.

PING_AFTER_IDLE_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5
_PENDING_SCOPE = "resonance_pending_scope"
_SCOPE_SQL = "SELECT set_config('app.current_org', %(_rls_org)s, true), set_config('app.system', %(_rls_system)s, true)"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]*")
_folding: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure_postgres(engine: Engine, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
                       fold_scope: bool = True) -> Engine:
    """Checkout pings a connection only when it was idle longer than `ping_after_idle` seconds (pool_pre_ping pings
    every checkout: one round trip per unit of work); a dead one is replaced before use. A connection that dies while
    busy fails that one statement, and SQLAlchemy then drops every pooled connection as old as it."""

    @event.listens_for(engine, "first_connect")
    def _warn_if_above_the_policies(dbapi_connection, _record) -> None:
        if get_settings().is_dev:  # in development the postgres superuser is the usual choice
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, bypasses = cursor.fetchone()
        cursor.close()
        dbapi_connection.rollback()
        if bypasses:
            log.warning("the app connects to PostgreSQL as %s, a superuser or BYPASSRLS role: row-level security does "
                        "not apply to it (see RESONANCE_MIGRATION_DATABASE_URL in .env.example)", user)

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < ping_after_idle:
            return
        autocommit = dbapi_connection.autocommit
        try:
            dbapi_connection.autocommit = True  # no transaction left open by the ping
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.autocommit = autocommit
        except Exception as error:  # noqa: BLE001  (any failure: the pool retries with a fresh connection)
            raise exc.DisconnectionError(str(error)) from error

    if fold_scope and engine.dialect.driver == "psycopg2":
        _folding.add(engine)
        event.listen(engine, "before_cursor_execute", _send_pending_scope, retval=True)
        # A transaction that ends before its first statement leaves nothing behind for the next one.
        event.listen(engine, "commit", _forget_pending_scope)
        event.listen(engine, "rollback", _forget_pending_scope)
        event.listen(engine, "checkin", lambda _dbapi, record: record.info.pop(_PENDING_SCOPE, None))
    return engine


def set_transaction_scope(connection: Connection, *, org_id: str, system: bool) -> None:
    """Set `app.current_org` and `app.system` for the rest of this transaction (row-level security; PostgreSQL only).

    `set_config(…, true)` is SET LOCAL: it ends with the transaction, so a pooled connection, or a transaction pooler
    such as PgBouncer, never carries it into another transaction. With psycopg2 it is sent in front of the
    transaction's next statement, in the same round trip."""
    if connection.dialect.name != "postgresql":
        return
    if not _SAFE_ID.fullmatch(org_id):  # ids are ours (resonance.core.ids); anything else is a bug, not a tenant
        raise ValueError(f"not an organization id: {org_id!r}")
    system_value = "on" if system else "off"
    if connection.engine in _folding:
        # A literal (checked above: no quote, no %), so it reads the same whatever the driver does with % signs.
        connection.info[_PENDING_SCOPE] = (f"SELECT set_config('app.current_org', '{org_id}', true), "
                                           f"set_config('app.system', '{system_value}', true); ")
    else:
        connection.exec_driver_sql(_SCOPE_SQL, {"_rls_org": org_id, "_rls_system": system_value})


def _forget_pending_scope(conn: Connection) -> None:
    if not conn.invalidated:  # an invalidated connection's info went with it
        conn.info.pop(_PENDING_SCOPE, None)


def _send_pending_scope(conn, cursor, statement, parameters, context, executemany):
    prefix = conn.info.pop(_PENDING_SCOPE, None)
    if prefix is None:
        return statement, parameters
    if getattr(cursor, "name", None) is not None:  # a server-side cursor declares one query: send it first
        cursor.execute(prefix)
        return statement, parameters
    # psycopg2 sends a string of two statements as one simple query and keeps the last one's result and row count.
    return prefix + statement, parameters


def read_first_row(statement: Select, params: Mapping[str, Any], *, org_id: str = "",
                   system: bool = False) -> tuple | None:
    """The first row of a read-only SELECT, in a single round trip: for the hottest read there is, the session lookup
    of every signed-in event (resonance/orgs/principal.py). `org_id`/`system` are the row-level security scope, as
    in `set_transaction_scope`; SQLite has none.

    A unit of work costs four round trips on PostgreSQL (BEGIN, the scope, the query, COMMIT). Here the connection
    is in autocommit and the scope and the query go out together, with no Sync between them: PostgreSQL runs them
    as one implicit transaction, so `set_config(…, true)` holds for the query and ends with it. psycopg 3 sends them
    as a pipeline, so the query stays a prepared statement (planning it costs more than the round trip); psycopg2,
    which prepares nothing, as one simple query of two statements. Columns come back through their types, as the
    ORM returns them."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:
            row = conn.execute(statement, params).first()
            return None if row is None else tuple(row)
    if not _SAFE_ID.fullmatch(org_id):
        raise ValueError(f"not an organization id: {org_id!r}")
    query, defaults, processors = _compiled(statement, engine)
    values = {**defaults, **params}
    scope = {"_rls_org": org_id, "_rls_system": "on" if system else "off"}
    with engine.connect() as conn, _in_autocommit(conn, query, values) as driver, driver.cursor() as cursor:
        if engine.dialect.driver == "psycopg":
            with driver.pipeline():
                cursor.execute(_SCOPE_SQL, scope)
                cursor.execute(query, values)
            # Fetched after the pipeline sent its Sync: fetching inside it would wait for the row, then again for
            # the answer to the Sync.
        else:  # psycopg2 keeps the last statement's result
            cursor.execute(f"{_SCOPE_SQL}; {query}", {**values, **scope})
        row = cursor.fetchone()
    if row is None:
        return None
    if len(processors) != len(row):  # a textual SELECT list: no types to apply
        return tuple(row)
    return tuple(value if process is None else process(value) for value, process in zip(row, processors))


@contextmanager
def _in_autocommit(conn: Connection, statement: str, params: Mapping[str, Any]) -> Iterator[Any]:
    """`conn`'s driver connection in autocommit (no BEGIN, no COMMIT), back in transactions afterwards whatever
    happened: the pool does not undo autocommit, and the next unit of work on the connection must stay atomic.
    Driver errors surface as SQLAlchemy's own do for a statement it ran: a DBAPIError, the connection invalidated
    when it is dead (see `unavailable`).

    Set on the driver, autocommit costs no round trip. `execution_options(isolation_level="AUTOCOMMIT")` would
    restore it by itself, but on psycopg2 it costs a round trip of its own (SET default_transaction_isolation)."""
    dialect, driver = conn.dialect, conn.connection.driver_connection
    try:
        driver.autocommit = True
        yield driver
    except dialect.loaded_dbapi.Error as error:
        dead = dialect.is_disconnect(error, driver, None)
        if dead:
            conn.invalidate(error)  # the pool connects afresh for the next checkout
        raise exc.DBAPIError.instance(statement, params, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=dead, dialect=dialect) from error
    finally:
        if not conn.invalidated:
            try:
                driver.autocommit = False
            except dialect.loaded_dbapi.Error as error:  # a connection that cannot leave autocommit is not reused
                conn.invalidate(error)


def execute_alone(statement: Executable) -> int:
    """One statement in a transaction of its own, in one round trip (autocommit: no BEGIN, no COMMIT); its row count.
    Only for a single write on a table without row-level security (the session's last-seen time, once a minute per
    session), where a whole unit of work would be four round trips."""
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(statement).rowcount


def first_row_alone(statement: Executable) -> tuple | None:
    """`execute_alone` for a statement that returns rows (UPDATE … RETURNING): its first row, committed before this
    returns. For counters that must hold across concurrent units of work (sign-in failures), on tables without
    row-level security."""
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.execute(statement).first()
        return None if row is None else tuple(row)


_compiled_reads: dict[tuple[int, str], tuple[Select, str, dict[str, Any], list[Callable | None]]] = {}


def _compiled(statement: Select, engine: Engine) -> tuple[str, dict[str, Any], list[Callable | None]]:
    # Once per statement object (module-level constants) and driver; the statement is kept with its entry, so its
    # id is not reused while cached.
    key = (id(statement), engine.dialect.driver)
    cached = _compiled_reads.get(key)
    if cached is None:
        compiled = statement.compile(dialect=engine.dialect)
        processors = [column.type.result_processor(engine.dialect, None) for column in statement.selected_columns]
        cached = _compiled_reads[key] = (statement, compiled.string, dict(compiled.params), processors)
    return cached[1:]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Foreign keys make ON DELETE SET NULL/CASCADE real; WAL lets readers run beside the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# When the database is away (a restart, a failover, a cut network)

OUTAGE_WAIT_SECONDS = 120.0  # how long `retrying` keeps trying: a restart or a failover, not a lost server
T = TypeVar("T")


def unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or dropped the connection, rather than refusing the
    statement: worth trying again in a moment, and for a person "try again", not a bug. A dropped connection is also
    why SQLAlchemy empties the pool, so the next try connects afresh."""
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, exc.OperationalError)
    return isinstance(error, exc.TimeoutError)  # no pooled connection came free in time


def retrying(unit: Callable[[], T], what: str, *, wait_s: float | None = None) -> T:
    """`unit()`, a whole unit of work (its own `session_scope`), tried again while the database is unavailable,
    for up to `wait_s` seconds (default OUTAGE_WAIT_SECONDS); then its error is raised. Only for units that may run
    twice: a commit cut off by the outage may have landed or not, so the second run must find its own work done."""
    deadline = time.monotonic() + (OUTAGE_WAIT_SECONDS if wait_s is None else wait_s)
    pause, tries = 0.1, 0
    while True:
        try:
            return unit()
        except Exception as error:
            if not unavailable(error) or time.monotonic() + pause > deadline:
                raise
            tries += 1
            if tries == 1:  # once per outage of this unit, not once per try
                log.warning("database unavailable during %s (%s); trying again for up to %.0f s", what,
                            type(error).__name__, deadline - time.monotonic())
        time.sleep(pause)
        pause = min(2.0, pause * 2)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits once on success and rolls back on any error.

    Services take the session keyword-only and never commit, so everything one action writes lands together.
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as error:
            if getattr(error, "persist", False):
                session.commit()  # a failure that must be remembered (attempt counters)
            else:
                session.rollback()
            raise
