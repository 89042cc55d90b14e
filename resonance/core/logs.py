"""The process's log output: JSON lines in production, readable lines in development, both through structlog.

Code keeps logging through the standard `logging` loggers ("resonance.…"); one root handler formats every record
(ours, uvicorn's, libraries') with structlog's `ProcessorFormatter`, and `structlog.get_logger()` writes through the
same handler. `configure()` is called once where a process starts (resonance/resonance.py).

Each line written while a request or a Reflex event is handled carries `request_id`, and `user_id` and `org_id`
once the caller is known. They live in a per-request `scope`: a dict held by a context variable and filled in
place, because FastAPI runs sync dependencies (where the caller is found) in worker threads with a *copy* of the
context, so a variable set there would not reach the route's later lines; the shared dict does. Values bound with
`structlog.contextvars.bind_contextvars` are added as well.

Secrets: the redacting record factory (core/redaction.py) still scrubs every record as it is made; the last step
before rendering scrubs every value of the line again (structlog's own events, exception text rendered here).
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from typing import Any, TextIO

import structlog

from resonance.core import redaction

# What a client may send as X-Request-ID for us to keep: a short token that cannot forge a log line or field.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# The fields of the scope, in the order a console line shows them.
SCOPE_FIELDS = ("request_id", "user_id", "org_id")
# Record extras a line keeps (our own `extra=`s; others could carry anything).
_EXTRAS = ("reference",)
# The servers give their loggers handlers of their own that do not propagate: ours format them too.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn", "gunicorn.error", "gunicorn.access",
                   "_granian", "granian.access")

_scope: ContextVar[dict[str, str] | None] = ContextVar("resonance_log_scope", default=None)
_HANDLER_NAME = "resonance"


def new_request_id() -> str:
    return secrets.token_hex(8)


def safe_request_id(value: str | None) -> str | None:
    """`value` when it is a token we may repeat in logs and headers; None otherwise."""
    return value if value is not None and _SAFE_REQUEST_ID.fullmatch(value) else None


def begin(request_id: str, **fields: str) -> Token:
    """Start the scope of one request or event; `end(token)` closes it (a task's end does too)."""
    return _scope.set({"request_id": request_id, **fields})


def end(token: Token) -> None:
    _scope.reset(token)


def identify(*, user_id: str | None = None, org_id: str | None = None) -> None:
    """Name the caller of the current request or event (no-op outside one)."""
    scope = _scope.get()
    if scope is None:
        return
    for key, value in (("user_id", user_id), ("org_id", org_id)):
        if value:
            scope[key] = value


def current() -> dict[str, str]:
    """The current scope's fields (empty outside a request or event)."""
    return dict(_scope.get() or {})


def request_id() -> str | None:
    return (_scope.get() or {}).get("request_id")


def _add_scope(_logger: Any, _method: str, event_dict: dict) -> dict:
    for key, value in (_scope.get() or {}).items():
        event_dict.setdefault(key, value)
    return event_dict


def _redact_line(_logger: Any, _method: str, event_dict: dict) -> dict:
    """Every value scrubbed, but the dev outbox's lines in development (core/redaction.py)."""
    if redaction.exempt(str(event_dict.get("logger", ""))):
        return event_dict
    return redaction.redact_tree(event_dict)


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        _add_scope,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def wants_json(log_format: str, env: str) -> bool:
    return log_format == "json" or (log_format == "auto" and env == "production")


def formatter(*, json: bool) -> structlog.stdlib.ProcessorFormatter:
    if json:
        renderer: Any = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False, sort_keys=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder(allow=_EXTRAS)],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text here (no locals, no rich formatting), so the next step can scrub them.
            structlog.processors.format_exc_info,
            _redact_line,
            renderer,
        ],
    )


def configure(*, stream: TextIO | None = None) -> logging.Handler:
    """Install the redacting record factory and one root handler writing to `stream` (stderr), in the format
    RESONANCE_LOG_FORMAT picks, at RESONANCE_LOG_LEVEL. Idempotent: a second call replaces the handler."""
    from resonance.core.config import get_settings

    settings = get_settings()
    redaction.install()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(json=wants_json(settings.LOG_FORMAT, settings.ENV)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
    adopt_server_loggers()
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return handler


def adopt_server_loggers() -> None:
    """Send the web servers' own loggers through the root handler."""
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True


@asynccontextmanager
async def server_logs() -> AsyncIterator[None]:
    """Lifespan task: a server may set up its loggers after the app module was imported (gunicorn's uvicorn worker
    after --preload, granian's workers); each worker takes them back as it starts."""
    adopt_server_loggers()
    yield
