"""Optional error tracking with Sentry (RESONANCE_SENTRY_DSN or SENTRY_DSN): off when no DSN is set.

What leaves the process is kept to what helps fix a bug: no default PII (no cookies, client addresses or user
details), no request bodies, no local variables in stack frames, and every string of an event (messages,
exception values, breadcrumbs, URLs, headers) run through the log's redaction rules before it is sent. Each event
is tagged with the request id, user id and organization id of the request or event it happened in
(core/logs.py), so it can be found from a "Reference:" a person reports and from the JSON log line.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk

from resonance.core import logs, redaction
from resonance.core.config import Settings, get_settings

# Request data that never goes out, whatever the SDK's defaults become.
_DROPPED_REQUEST_KEYS = ("cookies", "data", "env")
_DROPPED_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization", "xi-api-key",
                              "x-api-key", "x-forwarded-for", "x-real-ip"})
# An exception that escaped a request carries the request's log scope (the scope itself has ended when the SDK's
# outermost middleware reports it): see api/request_ids.py.
SCOPE_ATTRIBUTE = "resonance_log_scope"


def start(settings: Settings | None = None) -> bool:
    """Start the SDK when a DSN is configured; whether it started."""
    settings = settings or get_settings()
    if not settings.SENTRY_DSN:
        return False
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT or settings.ENV,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=None,
        before_send=before_send,
    )
    return True


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    scope = logs.current()
    error = (hint.get("exc_info") or (None, None, None))[1]
    if not scope and error is not None:
        scope = getattr(error, SCOPE_ATTRIBUTE, None) or {}
    tags = event.setdefault("tags", {})
    for key in logs.SCOPE_FIELDS:
        if scope.get(key):
            tags[key] = scope[key]
    request = event.get("request")
    if isinstance(request, dict):
        for key in _DROPPED_REQUEST_KEYS:
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}
    return redaction.redact_tree(event)
