"""Errors of the public API in ElevenLabs' shape: `{"detail": {"status": "voice_not_found", "message": "..."}}`.

`ApiRoute` is the route class of every /v1 router: it turns what a route or its dependencies raise (service rules,
request validation, anything unexpected) into that shape with the right status code, for /v1 only; the app's other
routes keep their own answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from resonance.core import logs
from resonance.core.errors import RateLimited, ResonanceError, SubscriptionRequired
from resonance.core.failures import report

log = logging.getLogger("resonance.api")

# The `detail.status` of each HTTP status, where the route does not name a more precise one.
STATUS_NAMES = {
    400: "invalid_request",
    401: "invalid_api_key",
    402: "subscription_required",
    403: "missing_permissions",
    404: "not_found",
    409: "not_ready",
    412: "voice_not_ready",
    413: "file_too_large",
    422: "invalid_request",
    429: "rate_limit_exceeded",
    502: "speech_failed",
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
    detail = {"status": status, "message": message, **(extra or {})}
    if request_id := logs.request_id():
        detail["request_id"] = request_id  # also the X-Request-ID header: what support asks for
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers or None)


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
    if isinstance(error, ResonanceError):
        status_code = error.status
        name = not_found if status_code == 404 else STATUS_NAMES.get(status_code, "invalid_request")
        return problem(status_code, name, str(error) or "Request refused")
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
                return await handler(request)
            except Exception as error:  # noqa: BLE001 - every failure becomes an answer in the documented shape
                return from_error(error, not_found=not_found)

        return answer


def route_class(not_found: str) -> type[ApiRoute]:
    return type(f"ApiRoute_{not_found}", (ApiRoute,), {"not_found": not_found})
