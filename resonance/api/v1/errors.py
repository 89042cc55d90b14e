"""Errors of the public API in ElevenLabs' shape: `{"detail": {"status": "voice_not_found", "message": "..."}}`.

`ApiRoute` is the route class of every /v1 router: it turns what a route or its dependencies raise (service rules,
request validation, anything unexpected) into that shape with the right status code, for /v1 only; the app's other
routes keep their own answers. `unrouted` does the same for a path or method under /v1 or /v2 that no route takes, so
a script calling something Resonance does not offer reads why in `detail.message`, as for any other refusal.

Every answer carries its id as `request-id`, the header ElevenLabs sends (the app's `X-Request-ID` holds the same
value), unless the route names its own: text to speech sends its history item's id, the item's `request_id`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from resonance.core import logs
from resonance.core.db import unavailable
from resonance.core.errors import RateLimited, ResonanceError, SubscriptionRequired, Unavailable
from resonance.core.failures import report

log = logging.getLogger("resonance.api")

REQUEST_ID = "request-id"
# The database is away (a restart, a failover): nothing the client did wrong, and the same request works shortly.
UNAVAILABLE = "The service is briefly unavailable; try again in a few seconds."
UNAVAILABLE_RETRY_S = 5
PREFIXES = ("/v1/", "/v2/")

# The `detail.status` of each HTTP status, where the route does not name a more precise one.
STATUS_NAMES = {
    400: "invalid_request",
    401: "invalid_api_key",
    402: "subscription_required",
    403: "missing_permissions",
    404: "not_found",
    405: "method_not_allowed",
    409: "not_ready",
    412: "voice_not_ready",
    413: "file_too_large",
    422: "invalid_request",
    429: "rate_limit_exceeded",
    502: "speech_failed",
    503: "service_unavailable",
    504: "timeout",
}


class ErrorDetail(BaseModel):
    status: str = Field(description="Machine-readable reason, e.g. `invalid_api_key`, `voice_not_found`, "
                                    "`subscription_required`, `rate_limit_exceeded`, `invalid_request`")
    message: str = Field(description="What went wrong, in words that can be shown to a person")
    request_id: str | None = Field(None, description="This request's id, also sent as the `X-Request-ID` header: "
                                                     "quote it when asking for support")


class ErrorResponse(BaseModel):
    detail: ErrorDetail


def _doc(description: str) -> dict:
    return {"model": ErrorResponse, "description": description}


# Documented on every operation (the OpenAPI document and the API page list the same).
COMMON_RESPONSES: dict[int | str, dict] = {
    401: _doc("Missing (`needs_authorization`), unknown or revoked (`invalid_api_key`) `xi-api-key`"),
    422: _doc("Invalid input (`invalid_request`): the message names the field"),
    429: _doc("Over the key's rate limit (`rate_limit_exceeded`); the `Retry-After` header says how many seconds "
              "to wait"),
}
NOT_FOUND = {404: _doc("Unknown, or belonging to another organization (`voice_not_found`, "
                       "`history_item_not_found`)")}
SUBSCRIPTION = {402: _doc("Billing is on and the organization has no active subscription "
                          "(`subscription_required`)")}


class ApiProblem(Exception):
    """An answer decided by a route: status code, `detail.status`, message, extra headers, and extra fields of
    `detail` that a client can act on."""

    def __init__(self, status_code: int, status: str, message: str, headers: dict[str, str] | None = None,
                 extra: dict | None = None):
        super().__init__(message)
        self.status_code, self.status, self.message, self.headers = status_code, status, message, headers or {}
        self.extra = extra or {}


def problem(status_code: int, status: str, message: str, headers: dict[str, str] | None = None,
            extra: dict | None = None) -> JSONResponse:
    detail, headers = {"status": status, "message": message, **(extra or {})}, dict(headers or {})
    if request_id := logs.request_id():
        detail["request_id"] = request_id  # also the X-Request-ID header: what support asks for
        headers.setdefault(REQUEST_ID, request_id)
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers or None)


def with_request_id(response: Response) -> Response:
    """The answer with its `request-id`, unless the route named one."""
    if (request_id := logs.request_id()) and REQUEST_ID not in response.headers:
        response.headers[REQUEST_ID] = request_id
    return response


async def unrouted(request: Request, error: HTTPException) -> Response:
    """The app's handler of routing refusals (404: no route has the path; 405: not with this method): in
    ElevenLabs' shape under /v1 and /v2, FastAPI's own elsewhere."""
    path = request.url.path
    if not path.startswith(PREFIXES) or error.status_code not in (404, 405):
        return await http_exception_handler(request, error)
    shown = quote(path, safe="/")  # as sent: a control character in the path stays escaped
    if error.status_code == 404:
        return problem(404, "not_found", f"Resonance does not offer {request.method} {shown}. The calls it offers "
                                         "are listed at /v1/openapi.json.")
    allowed = (error.headers or {}).get("Allow", "")
    return problem(405, "method_not_allowed", f"{shown} does not take {request.method}; it takes {allowed}.",
                   {"Allow": allowed} if allowed else None)


def from_error(error: Exception, *, not_found: str = "not_found") -> JSONResponse:
    """The response for anything a /v1 route raised."""
    if isinstance(error, ApiProblem):
        return problem(error.status_code, error.status, error.message, error.headers, error.extra)
    if isinstance(error, RequestValidationError):
        return _invalid(error)
    if isinstance(error, SubscriptionRequired):
        return problem(402, "subscription_required",
                       "This organization needs an active subscription to do this. An admin can subscribe in the "
                       "app under Billing.")
    if isinstance(error, RateLimited):
        return problem(429, "rate_limit_exceeded", str(error), {"Retry-After": str(error.retry_after)})
    if isinstance(error, Unavailable):  # an outage: plain words and a reference; the cause goes to the log
        return problem(503, "service_unavailable", report(log, error, str(error), "public API request failed"))
    if isinstance(error, ResonanceError):
        status_code = error.status
        name = not_found if status_code == 404 else STATUS_NAMES.get(status_code, "invalid_request")
        return problem(status_code, name, str(error) or "Request refused")
    if unavailable(error):
        log.warning("public API request: database unavailable (%s)", type(error).__name__)
        return problem(503, "service_unavailable", UNAVAILABLE, {"Retry-After": str(UNAVAILABLE_RETRY_S)})
    if isinstance(error, HTTPException):
        message = error.detail if isinstance(error.detail, str) else "Request refused"
        return problem(error.status_code, STATUS_NAMES.get(error.status_code, "error"), message,
                       dict(error.headers or {}))
    return problem(500, "internal_error", report(log, error, "Something went wrong on our side; try again.",
                                                 "public API request failed"))


def _invalid(error: RequestValidationError) -> JSONResponse:
    issues = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ())[1:]) or "request"
        issues.append(f"{where}: {item.get('msg', 'invalid')}")
    return problem(422, "invalid_request", "; ".join(issues) or "Invalid request")


class ApiRoute(APIRoute):
    """Route class of the /v1 routers: errors in ElevenLabs' shape. `not_found` names what a 404 is about."""

    not_found = "not_found"

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        not_found = self.not_found

        async def answer(request: Request) -> Response:
            try:
                return with_request_id(await handler(request))
            except Exception as error:  # noqa: BLE001 - every failure becomes an answer in the documented shape
                return from_error(error, not_found=not_found)

        return answer


def route_class(not_found: str) -> type[ApiRoute]:
    return type(f"ApiRoute_{not_found}", (ApiRoute,), {"not_found": not_found})
