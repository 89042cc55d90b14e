"""Running a state's events the way Reflex runs one from the websocket: the state instance whose router data carries
the handshake's cookie, and the handler's function called with the event's payload."""

from __future__ import annotations

import asyncio
import inspect

from reflex import constants
from reflex.state import State

from resonance.core.config import get_settings


def state_for(cls, token: str | None = None, path: str = "/", cookies: dict[str, str] | None = None):
    """The page state of one browser tab at `path` (a query string included), with the session cookie its websocket
    handshake carried (and any other `cookies`)."""
    root = State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split("."))
    jar = ({get_settings().SESSION_COOKIE_NAME: token} if token else {}) | (cookies or {})
    headers = {"cookie": "; ".join(f"{name}={value}" for name, value in jar.items())} if jar else {}
    state._update_router_vars({constants.RouteVar.HEADERS: headers, constants.RouteVar.PATH: path.split("?")[0],
                               constants.RouteVar.ORIGIN: path, constants.RouteVar.CLIENT_IP: "203.0.113.9"}, {})
    return state


def fire(state, handler: str, **payload) -> str:
    """Run one event handler as for an event from the websocket; what it sends back (toasts, scripts), as text."""
    answer = type(state).event_handlers[handler].fn(state, **payload)
    if inspect.iscoroutine(answer):
        answer = asyncio.run(answer)
    if inspect.isgenerator(answer):
        answer = list(answer)
    return str(answer)
