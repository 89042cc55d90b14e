"""The only places the session cookie (and the sign-up cookie) are set or cleared: HTTP responses can mark them
HttpOnly, Reflex cannot."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from resonance.api.deps import SameOrigin, cookie_token
from resonance.core.config import get_settings
from resonance.identity import accounts, sessions
from resonance.orgs.scope import system_session

router = APIRouter(prefix="/api/auth", dependencies=[SameOrigin])

COOKIE_MAX_AGE_DAYS = 400  # Chrome's cap; the server's idle and absolute windows decide the real expiry


def safe_next(path: str | None) -> str:
    """A local path to go to after signing in; anything else (other hosts, schemes) becomes "/"."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or "\n" in path:
        return "/"
    return path


@router.post("/session")
def claim_session(request: Request, ticket: str = Form(""), next: str = Form("/")) -> RedirectResponse:
    """Exchange a sign-in ticket for the session cookie (once), then go where the person was heading."""
    s = get_settings()
    with system_session() as session:
        sessions.end(session=session, token=cookie_token(request))  # a new id on every sign-in (fixation)
        claimed = sessions.claim(session=session, ticket=ticket)
    if claimed is None:
        response = RedirectResponse(f"{s.APP_URL}/sign-in?error=expired", status_code=303)
        response.delete_cookie(s.SESSION_COOKIE_NAME, path="/", secure=True, httponly=True, samesite="lax")
        return response
    response = RedirectResponse(s.APP_URL + safe_next(next), status_code=303)
    max_age = int((s.SESSION_ABSOLUTE_DAYS or COOKIE_MAX_AGE_DAYS) * 86400)
    response.set_cookie(
        s.SESSION_COOKIE_NAME, claimed.cookie_token, max_age=max_age, path="/", secure=True, httponly=True, samesite="lax"
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request) -> RedirectResponse:
    s = get_settings()
    with system_session() as session:
        sessions.end(session=session, token=cookie_token(request))
    response = RedirectResponse(f"{s.APP_URL}/sign-in", status_code=303)
    response.delete_cookie(s.SESSION_COOKIE_NAME, path="/", secure=True, httponly=True, samesite="lax")
    return response


@router.post("/sign-up")
def claim_sign_up_browser(ticket: str = Form(""), next: str = Form("/")) -> RedirectResponse:
    """Keep this browser's sign-up secret (from a ticket the sign-up, sign-in or verify page was given) in an
    HttpOnly cookie, then go on to the verify page. Its sign-up attempts' codes work only with it."""
    s = get_settings()
    response = RedirectResponse(s.APP_URL + safe_next(next), status_code=303)
    browser = accounts.read_browser_ticket(ticket)
    if browser is not None:
        response.set_cookie(accounts.SIGN_UP_COOKIE, browser, path="/", secure=True, httponly=True, samesite="lax",
                            max_age=int(accounts.SIGN_UP_COOKIE_LIFETIME.total_seconds()))
    return response
