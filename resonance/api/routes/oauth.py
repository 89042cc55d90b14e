"""Social sign-in and magic-link routes. They end the way /api/auth/session does (`auth.claim_session`): a new
session, the HttpOnly cookie, a redirect into the app in the organization the person last used.

Refusals never show a stack trace: the browser lands on /sign-in (or /account when connecting) with a refusal code
that the page turns into a sentence (identity/oauth/errors.py).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from sqlmodel import Session

from resonance.api.deps import cookie_token, request_client_ip, same_origin
from resonance.api.routes import auth
from resonance.core import routes
from resonance.core.config import get_settings
from resonance.core.errors import NotFound
from resonance.identity import magic_links, mfa, security_events, sessions
from resonance.identity.models import AuthSession, User
from resonance.identity.oauth import flow, linking, providers
from resonance.identity.oauth.errors import Refused
from resonance.orgs import organizations
from resonance.orgs import principal as principals
from resonance.orgs.scope import system_session

router = APIRouter(prefix="/api/auth")


def _to_app(path: str, **params: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    return RedirectResponse(get_settings().APP_URL + path + (f"?{query}" if query else ""), status_code=303)


def _refused(code: str, provider: str = "", *, connecting: bool = False) -> RedirectResponse:
    return _to_app(routes.ACCOUNT if connecting else routes.SIGN_IN, oauth_error=code, provider=provider)


def _ticket(request: Request, session: Session, user: User, next_path: str = "/", *, method: str) -> str | Response:
    """A new session for `user` (signed in by `method`: a provider's name or security_events.LINK), opening the
    organization they last used (as password sign-in does); for an account with two-step verification, the step
    that asks for its code instead."""
    if mfa.enrolled(session=session, user_id=user.id):
        return auth.second_factor_step(mfa.challenge(user.id, routes.safe_next(next_path)))
    org_id = organizations.reopen_for(session=session, user_id=user.id)
    return sessions.start(session=session, user=user, ip=request_client_ip(request),
                          user_agent=request.headers.get("user-agent", ""), active_org_id=org_id, method=method)


def _signed_in(request: Request, ticket: str | Response, next_path: str) -> Response:
    # After the ticket's transaction committed: the same code path as password sign-in sets the cookie.
    if isinstance(ticket, Response):
        return ticket  # the second step comes first
    return auth.claim_session(request, ticket=ticket, next=routes.safe_next(next_path))


# Social sign-in


@router.get("/oauth/{name}/start")
def oauth_start(request: Request, name: str, next: str = "/", intent: str = "") -> Response:
    """Send the browser to the provider. `intent=link` connects the provider to the signed-in account instead."""
    try:
        provider = providers.get(name)
    except NotFound:
        return _refused("unknown", connecting=intent == "link")
    link = None
    if intent == "link":
        p = principals.from_cookie(cookie_token(request))
        if p is None:
            return _refused("signed_out", name)
        link, next = {"u": p.user_id, "sid": p.session_id}, routes.ACCOUNT
    try:
        started = flow.begin(provider, next_path=routes.safe_next(next), link=link)
    except Refused as error:
        return _refused(error.code, name, connecting=link is not None)
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(started.cookie_name, started.cookie_value, max_age=started.max_age, path="/", secure=True,
                        httponly=True, samesite=started.same_site)
    return response


@router.get("/oauth/{name}/callback")
def oauth_callback(request: Request, name: str) -> Response:
    return _finish(request, name, dict(request.query_params))


@router.post("/oauth/{name}/callback")
async def oauth_callback_post(request: Request, name: str) -> Response:
    """Apple's response_mode=form_post: the code and state arrive in a cross-site POST."""
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_finish, request, name, params)


def _finish(request: Request, name: str, params: dict) -> Response:
    try:
        provider = providers.get(name)
    except NotFound:
        return _refused("unknown")
    cookie = request.cookies.get(flow.cookie_name(provider))
    connecting = False
    try:
        finished = flow.finish(provider, params=params, cookie=cookie)
        connecting = finished.link is not None
        with system_session() as session:
            if connecting:
                response = _connect(session, provider, finished)
            else:
                response = _sign_in_or_verify(request, session, provider, finished)
        if isinstance(response, str):
            response = _signed_in(request, response, finished.next_path)
    except Refused as error:
        response = _refused(error.code, name, connecting=connecting)
    # The state works once: the cookie goes whatever the outcome.
    response.delete_cookie(flow.cookie_name(provider), path="/", secure=True, httponly=True,
                           samesite="none" if provider.form_post else "lax")
    return response


def _sign_in_or_verify(request: Request, session: Session, provider, finished: flow.Finished) -> Response | str:
    """A redirect to give and verify an email first (an account the provider vouched no address for), or the
    ticket of the new session."""
    user = linking.sign_in(session=session, identity=finished.identity, label=provider.label)
    if user.email_verified_at is None:
        response = _to_app(routes.give_email(finished.next_path))
        response.set_cookie(linking.EMAIL_CLAIM_COOKIE, linking.email_claim(user, provider.name), path="/",
                            max_age=int(linking.EMAIL_CLAIM_LIFETIME.total_seconds()), secure=True, httponly=True,
                            samesite="lax")
        return response
    return _ticket(request, session, user, finished.next_path, method=provider.name)


def _connect(session: Session, provider, finished: flow.Finished) -> Response:
    # The state cookie was made under this session; it must still be signed in (the session cookie itself is not
    # sent on Apple's cross-site POST, so the session row is checked instead).
    row = session.get(AuthSession, str(finished.link.get("sid", "")))
    if row is None or row.user_id != finished.link.get("u") or not sessions.keep_alive(session=session, row=row):
        raise Refused("signed_out", provider.label)
    linking.connect(session=session, user_id=row.user_id, identity=finished.identity, label=provider.label)
    return _to_app(routes.ACCOUNT, connected=provider.name)


# Magic links

@router.get("/magic/{token}")
def magic_landing(token: str) -> Response:
    """Links sent before the landing page moved into the app: the app's page asks for the click (only the POST
    signs in, so mail scanners that fetch links do not use them up)."""
    return RedirectResponse(magic_links.link_url(quote(token, safe="")), status_code=303,
                            headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


@router.post("/magic/{token}")
def magic_sign_in(request: Request, token: str) -> Response:
    same_origin(request)
    try:
        with system_session() as session:
            ticket = _ticket(request, session, magic_links.consume(session=session, token=token),
                             method=security_events.LINK)
    except Refused as error:
        return _refused(error.code)
    return _signed_in(request, ticket, "/")
