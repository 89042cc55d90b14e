"""A page event that fails because the database is unreachable shows a plain "try again" toast (and logs one warning
line without the driver's message); any other failure keeps Reflex's generic notice. The error is the real one:
SQLAlchemy's, from connecting to a port where nothing listens."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from reflex.app import App, default_frontend_exception_handler
from sqlalchemy import create_engine, exc, text

from resonance.ui.event_errors import UNAVAILABLE, backend_exception_handler
from tests.servers import free_port


def error_toast_text(event) -> str:
    """The first argument of the sonner `toast.error` call the event runs in the browser."""
    js = str(event.args[0][1])
    assert '["error"]("' in js, js
    return js.split('["error"]("', 1)[1].split('"', 1)[0]


@pytest.fixture
def refused() -> exc.OperationalError:
    engine = create_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/resonance", connect_args={"connect_timeout": 5})
    try:
        with pytest.raises(exc.OperationalError) as raised, engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    return raised.value


def test_an_unreachable_database_says_try_again(refused, caplog):
    with caplog.at_level(logging.WARNING, logger="resonance.ui"):
        toast = backend_exception_handler(refused)
    assert error_toast_text(toast) == UNAVAILABLE
    assert "127.0.0.1" not in str(toast.args)  # nothing of the driver's message
    assert [r.getMessage() for r in caplog.records] == ["event failed: database unavailable (OperationalError)"]


def test_a_pool_that_gives_no_connection_in_time_says_try_again():
    assert error_toast_text(backend_exception_handler(exc.TimeoutError("QueuePool limit reached"))) == UNAVAILABLE


def test_any_other_failure_keeps_reflexs_notice():
    toast = backend_exception_handler(ValueError("a bug"))
    assert error_toast_text(toast) == "An error occurred."


def test_reflex_accepts_the_handler():
    App._validate_exception_handlers(SimpleNamespace(frontend_exception_handler=default_frontend_exception_handler,
                                                     backend_exception_handler=backend_exception_handler))
