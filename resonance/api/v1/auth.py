"""The `xi-api-key` header: which organization is calling (Member rights), and the key's rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader

from resonance.api.v1.errors import ApiProblem
from resonance.core import logs, ratelimit
from resonance.orgs import api_keys
from resonance.orgs.api_keys import Caller

HEADER = "xi-api-key"

api_key_header = APIKeyHeader(
    name=HEADER, auto_error=False, scheme_name="ApiKey",
    description="An organization API key (`rsk_…`), created by an Admin at /settings/api-keys",
)


def authenticate(key: str | None) -> Caller:
    """The caller behind the header's value; `ApiProblem` 401 when it is missing, unknown or revoked. Also run on
    the headers alone before a body is read (resonance/api/bodies.py)."""
    if not key:
        raise ApiProblem(401, "needs_authorization", f"Send an API key in the {HEADER} header.")
    caller = api_keys.authenticate(key.strip())
    if caller is None:
        raise ApiProblem(401, "invalid_api_key", "Invalid API key: unknown or revoked.")
    logs.identify(user_id=caller.principal.user_id, org_id=caller.principal.org_id)
    return caller


def current_caller(key: Annotated[str | None, Security(api_key_header)] = None) -> Caller:
    caller = authenticate(key)
    ratelimit.hit(ratelimit.API_KEY, caller.key_id)
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
