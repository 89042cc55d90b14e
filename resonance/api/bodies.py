"""Request bodies, checked before a route sees them: credentials from the headers first, then the size.

FastAPI parses a route's form and file parameters (spooling uploads to temporary files) before it runs the route's
dependencies, so a check in a dependency or in the route comes after the whole body has been read. This ASGI
middleware runs first, for every HTTP request the app serves (Reflex's own endpoints are mounted inside it):

- a request to a route that needs credentials is answered 401 from its headers alone (the `xi-api-key` for writes
  under /v1, the session cookie for the upload route), before a byte of its body is read;
- a body announced larger than its route's cap (Content-Length) is answered 413 at once, and a streamed one is
  counted as the server hands it over and answered 413 when it passes the cap, without reading further. The app's
  own answer, if it started one on the cut-off body, is replaced by the 413.

Refusals that leave body bytes unread say `Connection: close`, so the server closes the connection instead of
draining the rest. Each surface keeps its error shape (/v1: ElevenLabs' JSON; the upload route: its `{error}`/`{issues}` JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from resonance.api.http_middleware import HttpMiddleware
from resonance.api.routes import voices as app_voices
from resonance.api.v1 import auth as v1_auth
from resonance.api.v1 import errors as v1_errors
from resonance.api.v1.openai_compat import errors as openai_errors
from resonance.core import ratelimit
from resonance.core.config import get_settings
from resonance.core.errors import RateLimited
from resonance.orgs import principal as principals

KIB = 1024
JSON_MAX_BYTES = 256 * KIB  # JSON and form bodies: far above the longest text to speak
WEBHOOK_MAX_BYTES = 1024 * KIB  # Polar's webhook events (a subscription with its customer and product)
FORM_MARGIN = 64 * KIB  # a recording's multipart body: the file plus the other fields (at most 1 kB) and boundaries
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
PROBES = frozenset({"/healthz", "/readyz"})  # resonance/api/routes/health.py


class BodyTooLarge(Exception):
    """Raised to the app by `receive` once the body has passed its cap."""


@dataclass(frozen=True)
class BodyRule:
    """What a request must show before its body is read, and how large the body may be."""

    max_bytes: Callable[[], int]
    # Returns the refusal for a request whose headers lack valid credentials, or None to go on (blocking: it may
    # query the database, so it runs in a worker thread).
    check_credentials: Callable[[Headers], Response | None] | None
    too_large: Callable[[int], Response]


def _v1_credentials(headers: Headers) -> Response | None:
    try:
        v1_auth.authenticate(headers.get(v1_auth.HEADER))
    except v1_errors.ApiProblem as refused:
        return v1_errors.from_error(refused)
    return None


def _openai_credentials(headers: Headers) -> Response | None:
    """OpenAI's clients send the key as `Authorization: Bearer`, and read refusals in OpenAI's shape."""
    try:
        v1_auth.authenticate_bearer(headers)
    except v1_errors.ApiProblem as refused:
        return openai_errors.openai_error(refused)
    return None


def _v1_upload_credentials(headers: Headers) -> Response | None:
    """The key, then the organization's limit on new voices: a refused upload costs no body either."""
    try:
        caller = v1_auth.authenticate(headers.get(v1_auth.HEADER))
        ratelimit.hit(ratelimit.VOICE_UPLOAD, caller.principal.org_id)
    except (v1_errors.ApiProblem, RateLimited) as refused:
        return v1_errors.from_error(refused)
    return None


def _session_credentials(headers: Headers) -> Response | None:
    principal = principals.from_cookie(_cookie(headers, get_settings().SESSION_COOKIE_NAME))
    return app_voices.unauthorized() if principal is None or principal.org_id is None else None


def _cookie(headers: Headers, name: str) -> str | None:
    values = [cookie_parser(value).get(name) for value in headers.getlist("cookie")]
    return next((value for value in values if value), None)


def _generic_too_large(limit: int) -> Response:
    return JSONResponse({"detail": f"The request body is larger than {_size(limit)}."}, status_code=413)


def _v1_too_large(limit: int) -> Response:
    return v1_errors.problem(413, "file_too_large", f"The request is larger than {_size(limit)}.")


def _size(limit: int) -> str:
    return f"{limit // (KIB * KIB)} MB" if limit >= KIB * KIB else f"{limit // KIB} kB"


VOICE_UPLOAD_V1 = BodyRule(lambda: get_settings().VOICE_MAX_BYTES + FORM_MARGIN, _v1_upload_credentials,
                           _v1_too_large)
# Editing a voice may carry a new recording: the same cap as a new voice's
VOICE_EDIT_V1 = BodyRule(lambda: get_settings().VOICE_MAX_BYTES + FORM_MARGIN, _v1_credentials, _v1_too_large)
V1_WRITE = BodyRule(lambda: JSON_MAX_BYTES, _v1_credentials, _v1_too_large)
OPENAI_WRITE = BodyRule(lambda: JSON_MAX_BYTES, _openai_credentials,
                        lambda limit: openai_errors.reshape(_v1_too_large(limit)))
V1_READ = BodyRule(lambda: JSON_MAX_BYTES, None, _v1_too_large)  # the preview link carries its own signed token
VOICE_UPLOAD_APP = BodyRule(lambda: get_settings().VOICE_MAX_BYTES, _session_credentials,
                            lambda _limit: app_voices.too_large())
WEBHOOK = BodyRule(lambda: WEBHOOK_MAX_BYTES, None, _generic_too_large)  # signed over the body: read, then checked
DEFAULT = BodyRule(lambda: JSON_MAX_BYTES, None, _generic_too_large)


def rule_for(method: str, path: str) -> BodyRule:
    if path.startswith("/v1/"):
        if method in READ_ONLY:
            return V1_READ
        if path.rstrip("/") == "/v1/audio/speech":
            return OPENAI_WRITE
        if path.rstrip("/") == "/v1/voices/add":
            return VOICE_UPLOAD_V1
        return VOICE_EDIT_V1 if _is_voice_edit(path) else V1_WRITE
    if path == "/api/voices/create" and method not in READ_ONLY:
        return VOICE_UPLOAD_APP
    if path == "/api/webhooks/polar":
        return WEBHOOK
    return DEFAULT


def _is_voice_edit(path: str) -> bool:
    parts = path.rstrip("/").split("/")  # "", "v1", "voices", voice_id, "edit"
    return len(parts) == 5 and parts[2] == "voices" and parts[4] == "edit"


class BodyLimits(HttpMiddleware):
    """ASGI middleware: credentials before the body, and each body within its route's cap (see the module)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] in PROBES:  # load balancers' probes: no body, no credentials, nothing to check
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rule = rule_for(scope["method"], scope["path"])
        carries_body = _carries_body(headers)
        if rule.check_credentials is not None:
            refusal = await run_in_threadpool(rule.check_credentials, headers)
            if refusal is not None:
                await _answer(refusal, scope, receive, send, close=carries_body)
                return
        limit = rule.max_bytes()
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(rule.too_large(limit), scope, receive, send, close=True)
            return

        received = 0
        over = started = False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # this chunk never reaches the app
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the app's answer to a body it could not finish: the 413 below replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _answer(rule.too_large(limit), scope, receive, send, close=True)


def _carries_body(headers: Headers) -> bool:
    declared = headers.get("content-length", "")
    return "transfer-encoding" in headers or (declared.isdigit() and int(declared) > 0)


async def _answer(response: Response, scope: Scope, receive: Receive, send: Send, *, close: bool) -> None:
    if close:  # body bytes are left unread: the server must not drain them to reuse the connection
        response.headers["connection"] = "close"
    await response(scope, receive, send)
