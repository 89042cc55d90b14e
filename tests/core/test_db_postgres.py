"""The PostgreSQL engine (resonance/core/db.py) pings a pooled connection only after it sat idle, instead of on
every checkout: one that died while idle is still replaced before anyone uses it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, literal_column, select, text
from sqlalchemy.exc import OperationalError

from resonance.core import db as database
from resonance.orgs.scope import system_session
from tests.conftest import POSTGRES_ADMIN_URL, _clear_caches, _use_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(request, monkeypatch):
    return _use_database("postgres", request, monkeypatch)


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


def test_a_one_round_trip_read_on_a_dead_connection_fails_once_and_the_pool_drops_it(postgres, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    _clear_caches()
    pid = select(literal_column("pg_backend_pid()"))
    first = database.read_first_row(pid, {}, system=True)[0]
    kill(first)
    with pytest.raises(OperationalError):
        database.read_first_row(pid, {}, system=True)
    assert database.read_first_row(pid, {}, system=True)[0] != first
