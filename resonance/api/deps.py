"""Shared request checks: same-origin POSTs, the cookie's principal, the client's address."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from resonance.core.client_ip import client_ip
from resonance.core.config import get_settings
from resonance.orgs import principal as principals
from resonance.orgs.principal import Principal


def same_origin(request: Request) -> None:
    """Refuse state-changing requests whose Origin (or Referer) is not ours: CSRF defence beside SameSite=Lax."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        referer = request.headers.get("referer", "")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    if origin not in get_settings().allowed_origins:
        raise HTTPException(status_code=403, detail="Cross-origin request refused")


def request_client_ip(request: Request) -> str:
    """The client's address: the peer's, or read through the trusted proxies' X-Forwarded-For (core/client_ip.py)."""
    forwarded_for = ", ".join(request.headers.getlist("x-forwarded-for"))  # repeated header lines, in order
    return client_ip(request.client.host if request.client else "", forwarded_for)


def cookie_token(request: Request) -> str | None:
    return request.cookies.get(get_settings().SESSION_COOKIE_NAME)


def current_principal(request: Request) -> Principal | None:
    return principals.from_cookie(cookie_token(request))


SameOrigin = Depends(same_origin)
MaybePrincipal = Annotated[Principal | None, Depends(current_principal)]
