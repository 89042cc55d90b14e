"""The PostgreSQL engine (resonance/core/db.py) pings a pooled connection only after it sat idle, instead of on
every checkout: one that died while idle is still replaced before anyone uses it. `read_first_row` waits on the
server once, and hands its connection back to the pool as the next unit of work needs it."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, create_engine, literal_column, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from resonance.core import db as database
from resonance.orgs.scope import system_session
from tests.conftest import POSTGRES_ADMIN_URL, _clear_caches, _use_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(request, monkeypatch):
    kind = _use_database("postgres", request, monkeypatch)
    _clear_caches()  # a new engine: these tests follow its one pooled connection (earlier tests may leave several)
    return kind


@pytest.fixture(params=["psycopg 3", "psycopg2"])
def each_driver(request, postgres, monkeypatch) -> str:
    """The test database through each driver the app supports (driver-less URLs mean psycopg 3)."""
    if request.param == "psycopg2":
        url = database.get_settings().DATABASE_URL.replace("+psycopg://", "+psycopg2://", 1)
        monkeypatch.setenv("RESONANCE_DATABASE_URL", url)
        _clear_caches()
    assert database.get_engine().dialect.driver == ("psycopg" if request.param == "psycopg 3" else "psycopg2")
    return request.param


def backend_pid() -> int:
    with system_session() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar()


def kill(pid: int) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg2://", 1))
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        conn.execute(text("SELECT pg_sleep(0.05)"))  # the backend is gone before the next checkout
    admin.dispose()


@pytest.mark.parametrize("idle_seconds", [0.0, 3600.0])
def test_a_connection_that_died_while_idle(postgres, monkeypatch, idle_seconds):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", idle_seconds)
    _clear_caches()
    first = backend_pid()
    kill(first)
    if idle_seconds == 0.0:  # idle past the threshold: pinged, found dead, replaced
        assert backend_pid() != first
    else:  # used again within the threshold: no ping, so the statement meets the dead connection
        with pytest.raises(OperationalError):
            backend_pid()
        assert backend_pid() != first  # and the pool has dropped it


def test_production_warns_when_the_app_role_would_bypass_row_level_security(postgres, configure, caplog):
    configure(ENV="production")
    _clear_caches()
    with caplog.at_level("WARNING", logger="resonance.db"):
        backend_pid()  # the test database's user is the superuser postgres
    assert "row-level security does not apply" in caplog.text


PID = select(literal_column("pg_backend_pid()"))


def test_a_one_round_trip_read_on_a_dead_connection_fails_once_and_the_pool_drops_it(each_driver, monkeypatch,
                                                                                     caplog):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    _clear_caches()
    first = database.read_first_row(PID, {}, system=True)[0]
    kill(first)
    with caplog.at_level("ERROR", logger="sqlalchemy.pool"), pytest.raises(OperationalError) as lost:
        database.read_first_row(PID, {}, system=True)
    assert lost.value.connection_invalidated and database.unavailable(lost.value)  # "try again", not a bug
    assert "Exception during reset" not in caplog.text  # invalidated before the pool would try to reuse it
    assert database.read_first_row(PID, {}, system=True)[0] != first


def next_unit_of_work() -> int:
    """The backend of the pooled connection a unit of work gets next, having checked that the unit is one
    transaction: two statements in it share a transaction id, which autocommit would not give them."""
    with database.get_engine().connect() as conn:
        assert conn.connection.driver_connection.autocommit is False
        ids = [conn.execute(text("SELECT pg_current_xact_id()::text")).scalar() for _ in range(2)]
        assert ids[0] == ids[1]
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        conn.rollback()
    return pid


def test_a_one_round_trip_read_hands_its_connection_back_in_transactions_whether_it_succeeds_or_fails(each_driver):
    """The read runs in autocommit; the next unit of work on the same pooled connection must be atomic again."""
    first = database.read_first_row(PID, {}, system=True)[0]
    assert next_unit_of_work() == first  # the same connection, out of autocommit
    with pytest.raises(DBAPIError, match="division by zero") as refused:
        database.read_first_row(select(literal_column("1") / bindparam("zero")), {"zero": 0}, system=True)
    assert not refused.value.connection_invalidated and not database.unavailable(refused.value)
    assert next_unit_of_work() == first  # kept, and out of autocommit all the same


def test_a_one_round_trip_read_waits_on_the_server_once_with_psycopg_3(postgres, tmp_path):
    """The scope and the query go out in one batch ending in Sync, and one answer comes back: fetching the row
    inside the pipeline would wait twice (for the row, then for the Sync's answer). libpq's trace shows each wait as
    the client's messages (F) giving way to the server's (B)."""
    database.read_first_row(PID, {}, system=True)
    with database.get_engine().connect() as conn:  # the one pooled connection the read will use again
        pgconn = conn.connection.driver_connection.pgconn
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        pgconn.trace(out.fileno())
        try:
            database.read_first_row(PID, {}, system=True)
        finally:
            pgconn.untrace()
    sides = [line.split("\t")[1] for line in trace.read_text().splitlines()]
    assert sum(now == "F" and then == "B" for now, then in zip(sides, sides[1:])) == 1
