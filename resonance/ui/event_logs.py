"""Each Reflex event gets its own request id in the log (core/logs.py), like an HTTP request: the middleware runs
in the event's own task before its handler, so the id covers every line the handler writes. The caller's user and
organization join it once `AuthState` reads the session (orgs/principal.py `from_cookie`)."""

from __future__ import annotations

from reflex.middleware import Middleware

from resonance.core import logs


class EventLogScope(Middleware):
    async def preprocess(self, app, state, event):  # noqa: ANN001 - Reflex's signature
        logs.begin(logs.new_request_id(), reflex_event=event.name)
        return None
