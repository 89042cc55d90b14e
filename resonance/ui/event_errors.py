"""What a person sees when a page event fails. A database outage (core/db.py `unavailable`: the server unreachable,
a dropped connection, no pooled connection in time) is not a bug in the page: a plain "try again" toast and one
warning line, as the API's 503 gives. Anything else goes to Reflex's own handler (traceback logged, generic notice)."""

from __future__ import annotations

import logging

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

from resonance.core.db import unavailable

UNAVAILABLE = "The service is unavailable right now; please try again."

log = logging.getLogger("resonance.ui")


def backend_exception_handler(exception: Exception) -> EventSpec:
    """rx.App's `backend_exception_handler` (Reflex checks its annotations: `exception: Exception` -> EventSpec)."""
    if unavailable(exception):
        log.warning("event failed: database unavailable (%s)", type(exception).__name__)
        return rx.toast.error(UNAVAILABLE, id="backend_error")
    return default_backend_exception_handler(exception)
