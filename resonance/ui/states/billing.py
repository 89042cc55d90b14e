"""Billing state: the sidebar card, /settings/billing, Upgrade / Manage Subscription, and the "Subscription required"
toast the editors show.

A thin adapter over `resonance.billing.service`. The organization and the role come from the server-side principal
on every event; the service refuses checkout and portal to non-Admins whatever the page shows. Anything that may call
Polar runs as a background event on a worker thread, so a slow Polar never blocks this tab's other events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import reflex as rx

from resonance.billing import service as billing
from resonance.core import routes
from resonance.core.errors import ResonanceError, SubscriptionRequired
from resonance.orgs.principal import Principal
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState, error_toast

log = logging.getLogger(__name__)
T = TypeVar("T")

UNAVAILABLE = "Billing is unavailable right now. Please try again."
CONFIRM_TRIES = 8  # after checkout, how often the success page re-reads the state while Polar's webhook is under way
CONFIRM_SECONDS = 1.5


# Plain renderings (state vars hold strings only)

def usd(cents: float) -> str:
    """`$1.23`; amounts are estimated, never charged here."""
    return f"${cents / 100:,.2f}"


def price_line(price_cents_per_1000: float) -> str:
    return f"Generate speech starting at {usd(price_cents_per_1000)} per 1,000 characters"


def text_estimate(text: str) -> str:
    """The editor's badge, counted as the meter counts and priced from the settings, to four decimals as in the
    original: `$0.0021 estimated`."""
    return f"${billing.estimate_dollars(billing.count_characters(text)):.4f} estimated"


def chart_rows(days: list[tuple[date, int]]) -> list[dict[str, str | int]]:
    return [{"day": f"{day:%b} {day.day}", "characters": int(count)} for day, count in days]


def period_times(start, end) -> tuple[str, str]:
    """The subscription period as ISO UTC; ("", "") before there is one: the service counts from the 1st."""
    if start is None or end is None:
        return "", ""
    return formatting.iso(start), formatting.iso(end)


# The refusal every gated action can meet

def subscription_toast(is_admin: bool) -> rx.event.EventSpec:
    """"Subscription required": Admins get "Subscribe" (starts checkout); Members are told whom to ask."""
    if is_admin:
        return rx.toast.error("Subscription required", id="subscription-required", duration=10_000,
                              action={"label": "Subscribe", "on_click": BillingState.upgrade})
    return rx.toast.error("Subscription required", id="subscription-required", description="Ask an Admin to subscribe")


def refusal_toast(error: ResonanceError, p: Principal | None) -> rx.event.EventSpec:
    """The toast for an error a service raised: the subscription one, or its message."""
    if isinstance(error, SubscriptionRequired):
        return subscription_toast(bool(p and p.is_admin))
    return error_toast(error)


def leave_for(url: str) -> rx.event.EventSpec:
    # Same tab: a window.open from a websocket event is not a user gesture, and popup blockers eat it.
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


async def _off_loop(call: Callable[..., T], *args) -> T:
    return await asyncio.to_thread(call, *args)


class BillingState(AuthState):
    enabled: bool = False  # billing is configured (POLAR_* set)
    known: bool = False  # a status has been read for this organization
    active: bool = False
    estimated: str = usd(0)
    price: str = ""  # from the settings, with the first status
    period_start: str = ""  # period_times
    period_end: str = ""
    period_characters: str = "0"
    checked: str = ""
    chart: list[dict[str, str | int]] = []
    upgrading: bool = False
    opening_portal: bool = False
    confirming: bool = False  # the success page waits for Polar to confirm the subscription

    def _show(self, status: billing.BillingStatus) -> None:
        self.enabled, self.known, self.active = bool(status.enabled), True, bool(status.active)
        self.estimated = usd(status.estimated_cents)
        self.price = price_line(status.price_cents_per_1000)
        self.period_start, self.period_end = period_times(status.period_start, status.period_end)
        self.period_characters = f"{int(status.period_characters):,}"
        self.checked = formatting.iso(status.checked_at)

    async def _org_member(self) -> Principal | None:
        """The principal (None: the guard redirects), with `enabled` set in the same update as the role, so the
        card never flashes the wrong variant."""
        async with self:
            p = self._member()
            self.enabled = billing.billing_enabled()
            # A page load ends any Upgrade / Manage in flight: the tab keeps its state when it comes back from Polar.
            self.upgrading = self.opening_portal = False
            if p is None:
                self.known = False
            return p

    # Loading

    @rx.event(background=True)
    async def load_card(self):
        """on_load of every organization page (after the guard): the sidebar card's status."""
        if (p := await self._org_member()) is None or not billing.billing_enabled():
            return
        try:
            status = await _off_loop(billing.get_status, p.org_id)
        except Exception:  # noqa: BLE001 - the card keeps its last state; the page shows the error
            log.exception("billing status for %s", p.org_id)
            return
        async with self:
            if self.org_id == p.org_id:  # the person did not switch organizations meanwhile
                self._show(status)

    @rx.event(background=True)
    async def load_page(self):
        """on_load of /settings/billing: Admins only. After checkout (`?checkout_id=`) the state is refreshed from
        Polar and re-read until the subscription shows, so the page says how the payment ended."""
        if (p := await self._org_member()) is None:
            return
        if not p.is_admin:
            yield [rx.redirect(routes.HOME, replace=True), rx.toast.error("Only admins can manage billing.")]
            return
        if not billing.billing_enabled():
            return  # the page says "Billing is not configured"
        async with self:
            checkout = bool(self.router.url.query_parameters.get("checkout_id"))
            self.confirming = checkout
        try:
            if checkout:
                status = await self._confirm(p)
            else:
                status = await _off_loop(billing.get_status, p.org_id)
            days = await _off_loop(billing.daily_characters, p.org_id)
        except ResonanceError as error:
            async with self:
                self.confirming = False
            yield error_toast(error)
            return
        except Exception:  # noqa: BLE001 - Polar or the network failed: say so, keep what is shown
            log.exception("billing page for %s", p.org_id)
            async with self:
                self.confirming = False
            yield rx.toast.error(UNAVAILABLE)
            return
        async with self:
            self._show(status)
            self.chart = chart_rows(days)
            self.confirming = False
        if checkout:
            yield (rx.toast.success("Subscription active. Thank you!") if status.active else
                   rx.toast.warning("Payment received; Polar has not confirmed the subscription yet. "
                                    "Refresh this page in a minute."))

    async def _confirm(self, p: Principal) -> billing.BillingStatus:
        """Refresh from Polar (its webhook may still be on its way), re-reading a few times until it is active."""
        for attempt in range(CONFIRM_TRIES):
            if attempt:
                await asyncio.sleep(CONFIRM_SECONDS)
            await _off_loop(billing.refresh_status, p.org_id)
            status = await _off_loop(billing.get_status, p.org_id)
            if status.active:
                break
        return status

    # Actions (Admins; the service checks the role again)

    @rx.event(background=True)
    async def upgrade(self):
        """Upgrade / Subscribe: a Polar checkout for this organization, then the browser goes there."""
        async with self:
            if self.upgrading:
                return
            self.upgrading = True
            p = self._member()
        url, failure = await _start(billing.start_checkout, p)
        if failure is not None:
            async with self:
                self.upgrading = False
            yield failure
            return
        yield leave_for(url)  # "Redirecting..." stays until the page is gone

    @rx.event(background=True)
    async def manage(self):
        """Manage Subscription: a Polar customer-portal session for this organization."""
        async with self:
            if self.opening_portal:
                return
            self.opening_portal = True
            p = self._member()
        url, failure = await _start(billing.start_portal, p)
        if failure is not None:
            async with self:
                self.opening_portal = False
            yield failure
            return
        yield leave_for(url)


async def _start(start: Callable[[Principal], str], p: Principal | None) -> tuple[str, rx.event.EventSpec | None]:
    """The Polar URL from `start`, or the toast saying why there is none (nothing changed then)."""
    if p is None:
        return "", rx.toast.error("Sign in to an organization first.")
    try:
        return await _off_loop(start, p), None
    except ResonanceError as error:
        return "", error_toast(error)
    except Exception:  # noqa: BLE001 - Polar unreachable or refusing: say so
        log.exception("billing %s for %s", start.__name__, p.org_id)
        return "", rx.toast.error(UNAVAILABLE)
