"""The sidebar footer's billing card: "Pay as you go" / Upgrade without a subscription, "Current usage" / Manage
Subscription with one. Only Admins get the buttons (the service refuses anyone else anyway). With billing off, Admins
see one line saying it is free and Members see nothing."""

from __future__ import annotations

import reflex as rx

from resonance.ui.states.billing import BillingState


def pending_label(pending, idle: str, busy: str) -> rx.Component:
    return rx.cond(pending, rx.hstack(rx.spinner(size="1"), rx.text(busy), align="center", spacing="2"),
                   rx.text(idle))


def upgrade_button(**props) -> rx.Component:
    return rx.button(pending_label(BillingState.upgrading, "Upgrade", "Redirecting..."),
                     on_click=BillingState.upgrade, disabled=BillingState.upgrading, **props)


def manage_button(**props) -> rx.Component:
    return rx.button(pending_label(BillingState.opening_portal, "Manage Subscription", "Opening..."),
                     on_click=BillingState.manage, disabled=BillingState.opening_portal, **props)


def _pay_as_you_go() -> rx.Component:
    return rx.vstack(
        rx.text("Pay as you go", size="2", weight="bold"),
        rx.text(BillingState.price, size="1", color_scheme="gray", id="billing-price"),
        rx.cond(BillingState.is_admin, upgrade_button(id="billing-upgrade", size="2", width="100%")),
        spacing="2", width="100%", align="start",
    )


def _current_usage() -> rx.Component:
    return rx.vstack(
        rx.text("Current usage", size="2", weight="bold"),
        rx.text(BillingState.estimated, size="5", weight="bold", id="billing-estimated"),
        rx.text("Estimated this period", size="1", color_scheme="gray"),
        rx.cond(BillingState.is_admin,
                manage_button(id="billing-manage", size="2", width="100%", variant="outline")),
        spacing="1", width="100%", align="start",
    )


def billing_card(hidden) -> rx.Component:
    """`hidden`: a Var, true while the sidebar is collapsed to icons."""
    card = rx.card(
        rx.cond(
            BillingState.known,
            rx.cond(BillingState.active, _current_usage(), _pay_as_you_go()),
            rx.vstack(rx.skeleton(height="14px", width="60%"), rx.skeleton(height="28px", width="100%"),
                      spacing="2", width="100%"),
        ),
        id="billing-card", size="1", width="100%",
        custom_attrs={"data-active": rx.cond(BillingState.active, "true", "false")},
    )
    not_configured = rx.text("Free to use: no billing", size="1", color_scheme="gray", id="billing-off",
                             padding_x="0.6em")
    return rx.cond(
        hidden, rx.fragment(),
        rx.cond(BillingState.enabled, card, rx.cond(BillingState.is_admin, not_configured, rx.fragment())),
    )
