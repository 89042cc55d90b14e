"""`AuthState`: the base every signed-in state inherits. It re-derives the principal from the HttpOnly cookie on
the server for each event; its vars only mirror the result for display and are never read for decisions."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

import reflex as rx
from reflex.istate.data import RouterData

from resonance.core import routes
from resonance.core.client_ip import client_ip
from resonance.core.config import get_settings
from resonance.core.errors import ResonanceError
from resonance.orgs import principal as principals
from resonance.orgs.principal import Principal
from resonance.ui import formatting


class AuthState(rx.State):
    """Signed-in user and active organization, for display."""

    user_name: str = ""
    user_email: str = ""
    org_id: str = ""
    org_name: str = ""
    role: str = ""
    ready: bool = False  # a guard passed: protected content may render

    def _cookie_token(self) -> str | None:
        return self._cookie(get_settings().SESSION_COOKIE_NAME)

    def _cookie(self, name: str) -> str | None:
        """A cookie the browser sent with the websocket handshake (HttpOnly ones included)."""
        try:
            jar = SimpleCookie(self.router.headers.cookie or "")
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def _principal(self) -> Principal | None:
        """The acting principal, from the cookie and the database, every time."""
        found = principals.from_cookie(self._cookie_token())
        self._mirror(found)
        return found

    def _member(self) -> Principal | None:
        """The principal when it has an active organization; None otherwise (the page's guard redirects)."""
        p = self._principal()
        return p if p is not None and p.org_id is not None else None

    def _mirror(self, p: Principal | None) -> None:
        self.user_name, self.user_email = (p.name, p.email) if p else ("", "")
        self.org_id, self.org_name, self.role = (p.org_id or "", p.org_name, p.role or "") if p else ("", "", "")

    def _here(self) -> str:
        url = self.router.url
        return url.path + (f"?{url.query}" if url.query else "")

    def _client(self) -> tuple[str, str]:
        return event_client(self.router)

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def initials(self) -> str:
        return formatting.initials(self.user_name or self.user_email)

    @rx.var
    def org_initials(self) -> str:
        return formatting.initials(self.org_name)

    @rx.event
    def require_org(self):
        """on_load guard for organization pages: sign-in first, then an organization (whose two-step policy the
        person meets)."""
        return self._guard(two_step_page=False)

    @rx.event
    def require_account(self):
        """on_load guard for /account: as for organization pages, but open to someone whose organization requires
        two-step verification they have not set up (they set it up there)."""
        return self._guard(two_step_page=True)

    def _guard(self, *, two_step_page: bool):
        p = self._principal()
        self.ready = bool(p and (p.org_id or (two_step_page and p.two_step_for)))
        if p is None:
            return rx.redirect(routes.sign_in(self._here()), replace=True)
        if p.two_step_for and not two_step_page:
            return rx.redirect(routes.TWO_STEP_REQUIRED, replace=True)
        if p.org_id is None and not p.two_step_for:
            return rx.redirect(routes.ORG_SELECTION, replace=True)

    @rx.event
    def require_user(self):
        """on_load guard for pages that need a user but no organization."""
        p = self._principal()
        self.ready = p is not None
        if p is None:
            return rx.redirect(routes.sign_in(self._here()), replace=True)

    @rx.event
    def redirect_signed_in(self):
        """on_load for sign-in and sign-up: someone already signed in goes home."""
        if self._principal() is not None:
            return rx.redirect(routes.HOME, replace=True)


def event_client(router: RouterData) -> tuple[str, str]:
    """(client address, user agent) of an event's connection. Reflex resolves the address by the rule of
    core/client_ip.py with the same setting (rxconfig.py); applying the rule again yields the same address, and
    keeps it right should Reflex be configured otherwise."""
    address = client_ip(router.session.client_ip, router.headers.raw_headers.get("x-forwarded-for"))
    return address, router.headers.user_agent or ""


def error_toast(error: ResonanceError):
    return rx.toast.error(str(error) or "Something went wrong.")
