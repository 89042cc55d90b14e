"""Errors of the OpenAI-compatible endpoint in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.

The status and message are decided as on the rest of /v1 (`errors.from_error`); only the body's shape differs, so
both surfaces refuse the same things with the same words. `code` is the ElevenLabs-side `detail.status`
(`invalid_api_key`, `voice_not_found`, `rate_limit_exceeded`, …); `param` names the request field at fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from resonance.api.v1.errors import ApiProblem, from_error, with_request_id

RATE_LIMIT_TYPE = "requests"  # what OpenAI says of a limit on requests per time window


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    error: OpenAIErrorBody


class OpenAIProblem(ApiProblem):
    """An answer decided by the route, naming the request field at fault."""

    def __init__(self, status_code: int, status: str, message: str, param: str | None = None):
        super().__init__(status_code, status, message)
        self.param = param


def _doc(description: str) -> dict:
    return {"model": OpenAIError, "description": description}


RESPONSES: dict[int | str, dict] = {
    401: _doc("Missing (`needs_authorization`), unknown or revoked (`invalid_api_key`) key"),
    402: _doc("Billing is on and the organization has no active subscription (`subscription_required`)"),
    404: _doc("Unknown voice, or another organization's (`voice_not_found`)"),
    412: _doc("The voice is still being matched, or its matching failed (`voice_not_ready`)"),
    422: _doc("Invalid input (`invalid_request`, `model_not_found`); `param` names the field"),
    429: _doc("Over the key's rate limit (`rate_limit_exceeded`); `Retry-After` says how many seconds to wait"),
    502: _doc("Speech generation failed (`speech_failed`)"),
}


def _type(status_code: int) -> str:
    if status_code == 429:
        return RATE_LIMIT_TYPE
    return "server_error" if status_code >= 500 else "invalid_request_error"


def reshape(answer: JSONResponse, param: str | None = None) -> JSONResponse:
    """An ElevenLabs-shaped /v1 error answer, in OpenAI's shape (same status and headers)."""
    detail = json.loads(answer.body)["detail"]
    body = OpenAIErrorBody(message=detail["message"], type=_type(answer.status_code), param=param,
                           code=detail["status"])
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-type")}
    return JSONResponse({"error": body.model_dump()}, status_code=answer.status_code, headers=headers)


def openai_error(error: Exception) -> JSONResponse:
    return reshape(from_error(error, not_found="voice_not_found"), _param(error))


def _param(error: Exception) -> str | None:
    if isinstance(error, RequestValidationError) and error.errors():
        where = [str(part) for part in error.errors()[0].get("loc", ())[1:]]
        return where[0] if where else None
    return getattr(error, "param", None)


class OpenAIRoute(APIRoute):
    """Route class of the OpenAI-compatible routes: every failure in OpenAI's shape."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return with_request_id(await handler(request))
            except Exception as error:  # noqa: BLE001 - every failure becomes an answer in OpenAI's shape
                return openai_error(error)

        return answer
