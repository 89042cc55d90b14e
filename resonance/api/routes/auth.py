"""The only places the session cookie (and the sign-up and second-factor cookies) are set or cleared: HTTP
responses can mark them HttpOnly, Reflex cannot."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from resonance.api.deps import SameOrigin, cookie_token
from resonance.core import routes
from resonance.core.config import get_settings
from resonance.identity import accounts, mfa, sessions
from resonance.orgs.scope import system_session

router = APIRouter(prefix="/api/auth", dependencies=[SameOrigin])

COOKIE_MAX_AGE_DAYS = 400  # Chrome's cap; the server's idle and absolute windows decide the real expiry


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
    response = RedirectResponse(s.APP_URL + routes.safe_next(next), status_code=303)
    if mfa.CHALLENGE_COOKIE in request.cookies:  # the second step is over
        response.delete_cookie(mfa.CHALLENGE_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
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
    response = RedirectResponse(s.APP_URL + routes.safe_next(next), status_code=303)
    browser = accounts.read_browser_ticket(ticket)
    if browser is not None:
        response.set_cookie(accounts.SIGN_UP_COOKIE, browser, path="/", secure=True, httponly=True, samesite="lax",
                            max_age=int(accounts.SIGN_UP_COOKIE_LIFETIME.total_seconds()))
    return response


@router.post("/second-factor")
def claim_second_factor(challenge: str = Form("")) -> RedirectResponse:
    """Keep the challenge the first factor earned (from the sign-in page) in an HttpOnly cookie, then ask for the
    second factor."""
    found = mfa.read_challenge(challenge)
    if found is None:
        return RedirectResponse(f"{get_settings().APP_URL}/sign-in?error=expired", status_code=303)
    return second_factor_step(challenge)


def second_factor_step(challenge: str) -> RedirectResponse:
    """The answer that ends a first factor for an account with two-step verification: no session, the challenge
    in an HttpOnly cookie, and the page that asks for the code."""
    response = RedirectResponse(get_settings().APP_URL + routes.SECOND_FACTOR, status_code=303)
    response.set_cookie(mfa.CHALLENGE_COOKIE, challenge, path="/", secure=True, httponly=True, samesite="lax",
                        max_age=int(mfa.CHALLENGE_LIFETIME.total_seconds()))
    return response
