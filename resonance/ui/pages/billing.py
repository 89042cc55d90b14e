"""/settings/billing (Admins; Members are sent home by the page's load): the subscription, this period's characters
and estimated cost, characters per day from our own usage records, and the Polar portal. After checkout Polar
returns here with `?checkout_id=`, and the page confirms the subscription."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.billing_card import manage_button, upgrade_button
from resonance.ui.components.local_time import local_time
from resonance.ui.components.settings import section
from resonance.ui.layout import dashboard
from resonance.ui.states.billing import BillingState

# With billing off: what the organization's people may do, in their words (how to turn billing on is in the README).
FREE_TITLE = "This organization is not charged for anything."
FREE_DETAIL = "Every member can generate speech and create custom voices, with no subscription and nothing to pay."


def _figure(label: str, value, value_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="6", weight="bold", id=value_id),
        spacing="1", align="start", min_width="160px",
    )


def _status_badge() -> rx.Component:
    return rx.cond(
        BillingState.active,
        rx.badge("Active", color_scheme="green", variant="soft", size="2", id="billing-status"),
        rx.badge("No subscription", color_scheme="gray", variant="soft", size="2", id="billing-status"),
    )


def subscription_section() -> rx.Component:
    return section(
        "Subscription",
        rx.cond(BillingState.active,
                "Billed per character through Polar. Invoices, payment methods and cancellation are in the portal.",
                BillingState.price),
        rx.cond(
            BillingState.confirming,
            rx.hstack(rx.spinner(size="2"), rx.text("Confirming your subscription with Polar...", size="2"),
                      align="center", id="billing-confirming"),
            rx.hstack(
                _status_badge(),
                rx.spacer(),
                rx.cond(BillingState.active, manage_button(id="billing-portal", size="2"),
                        upgrade_button(id="billing-page-upgrade", size="2")),
                width="100%", align="center",
            ),
        ),
        rx.cond(BillingState.checked != "",
                rx.text("Status checked ", local_time(BillingState.checked), size="1", color_scheme="gray")),
    )


def usage_section() -> rx.Component:
    return section(
        "This period",
        rx.cond(BillingState.period_start != "",
                rx.fragment(local_time(BillingState.period_start, "date"), " – ",
                            local_time(BillingState.period_end, "date")),
                "This calendar month"),
        rx.hstack(
            _figure("Characters generated", BillingState.period_characters, "billing-characters"),
            _figure("Estimated cost", BillingState.estimated, "billing-cost"),
            spacing="6", wrap="wrap",
        ),
    )


def chart_section() -> rx.Component:
    return section(
        "Characters per day", "The last 30 days, from this organization's usage records.",
        rx.box(rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="day", font_size=11),
            rx.recharts.y_axis(allow_decimals=False, font_size=11, width=48),
            rx.recharts.graphing_tooltip(),
            rx.recharts.bar(data_key="characters", name="Characters", fill="var(--teal-9)", radius=[4, 4, 0, 0]),
            data=BillingState.chart, width="100%", height=260,
        ), id="billing-chart", width="100%"),
    )


def billing_page() -> rx.Component:
    return dashboard(
        rx.cond(
            BillingState.enabled,
            rx.vstack(subscription_section(), usage_section(), chart_section(), spacing="4", width="100%"),
            section("Billing", FREE_TITLE, rx.text(FREE_DETAIL, size="2", id="billing-off-page")),
        ),
        title="Billing",
    )
