"""The API key: which organization is calling (Member rights), and the key's rate limit. ElevenLabs clients send it
in `xi-api-key`; OpenAI clients (POST /v1/audio/speech) as `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from resonance.api.v1.errors import ApiProblem
from resonance.core import logs, ratelimit
from resonance.orgs import api_keys
from resonance.orgs.api_keys import Caller

HEADER = "xi-api-key"
KEY_DESCRIPTION = "An organization API key (`rsk_…`), created by an Admin at /settings/api-keys"
BEARER_WHERE = f"an Authorization: Bearer header (or {HEADER})"

api_key_header = APIKeyHeader(name=HEADER, auto_error=False, scheme_name="ApiKey", description=KEY_DESCRIPTION)
bearer = HTTPBearer(auto_error=False, scheme_name="Bearer", description=KEY_DESCRIPTION + " (OpenAI clients)")


def authenticate(key: str | None, where: str = f"the {HEADER} header") -> Caller:
    """The caller behind the key; `ApiProblem` 401 when it is missing, unknown or revoked (`where` says how to send
    one). Also run on the headers alone before a body is read (resonance/api/bodies.py)."""
    if not key:
        raise ApiProblem(401, "needs_authorization", f"Send an API key in {where}.")
    caller = api_keys.authenticate(key.strip())
    if caller is None:
        raise ApiProblem(401, "invalid_api_key", "Invalid API key: unknown or revoked.")
    logs.identify(user_id=caller.principal.user_id, org_id=caller.principal.org_id)
    return caller


def bearer_key(authorization: str | None, xi_api_key: str | None) -> str | None:
    """An OpenAI client's key: `Authorization: Bearer <key>`, else `xi-api-key`."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else xi_api_key


def authenticate_bearer(headers: Headers) -> Caller:
    return authenticate(bearer_key(headers.get("authorization"), headers.get(HEADER)), BEARER_WHERE)


def admit(key: str | None, where: str) -> Caller:
    """The caller behind the key, counted against the key's rate limit (429 `RateLimited` beyond)."""
    caller = authenticate(key, where)
    ratelimit.hit(ratelimit.API_KEY, caller.key_id)
    return caller


def current_caller(key: Annotated[str | None, Security(api_key_header)] = None) -> Caller:
    return admit(key, f"the {HEADER} header")


def bearer_caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
                  key: Annotated[str | None, Security(api_key_header)] = None) -> Caller:
    token = credentials.credentials if credentials is not None else None
    return admit(token or key, BEARER_WHERE)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
BearerCaller = Annotated[Caller, Depends(bearer_caller)]
