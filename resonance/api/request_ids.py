"""A request id for every HTTP request: in each log line written while it is handled (core/logs.py), in the
`X-Request-ID` response header, and in the public API's error bodies, so a person's report finds its log lines.

An incoming X-Request-ID (a proxy's or a client's own) is kept only when it is a short token of letters, digits and
dashes: anything else could forge log fields or lines, so it is replaced by one of ours. The Reflex event websocket
gets no id here: each event gets its own (resonance/ui/event_logs.py).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from resonance.api.http_middleware import HttpMiddleware
from resonance.core import logs
from resonance.core.error_tracking import SCOPE_ATTRIBUTE

HEADER = "X-Request-ID"


class RequestIds(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = logs.safe_request_id(Headers(scope=scope).get(HEADER)) or logs.new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = logs.begin(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # Reported by the server and the error tracker outside this scope: the error keeps who it happened to.
            setattr(error, SCOPE_ATTRIBUTE, logs.current())
            raise
        finally:
            logs.end(token)
