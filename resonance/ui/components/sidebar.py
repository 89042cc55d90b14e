"""The dashboard sidebar: organization switcher, navigation, and the user button."""

from __future__ import annotations

import reflex as rx

from resonance.core import routes
from resonance.ui import browser
from resonance.ui.components.avatar import initials_avatar
from resonance.ui.components.billing_card import billing_card
from resonance.ui.components.brand import wordmark, logo
from resonance.ui.states.shell import ShellState

HELP_MAIL = "mailto:support@resonance.local"

NAV = [
    ("Dashboard", "layout_dashboard", routes.HOME),
    ("Explore voices", "audio_lines", routes.VOICES),
    ("Text to speech", "volume_2", routes.TEXT_TO_SPEECH),
    ("Voice cloning", "mic", routes.VOICE_CLONING),
]


def _active(href: str):
    path = ShellState.current_path
    if "?" in href:
        return False  # an action (such as opening a dialog), not a place
    return (path == "/") if href == "/" else path.startswith(href)


def nav_item(label: str, icon: str, href: str, *, active=None) -> rx.Component:
    active = _active(href) if active is None else active
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18),
            rx.cond(ShellState.collapsed, rx.fragment(), rx.text(label, size="2")),
            align="center", spacing="3", padding_x="0.6em", padding_y="0.45em", border_radius="8px", width="100%",
            background=rx.cond(active, "var(--teal-3)", "transparent"),
            color=rx.cond(active, "var(--teal-11)", "var(--gray-12)"),
            _hover={"background": "var(--gray-3)"},
        ),
        href=href, underline="none", width="100%", title=label,
    )


def org_switcher() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                initials_avatar(ShellState.org_initials, size="1"),
                rx.cond(ShellState.collapsed, rx.fragment(),
                        rx.hstack(rx.text(ShellState.org_name, size="2", weight="medium", trim="both"),
                                  rx.icon("chevrons_up_down", size=14), align="center", spacing="2")),
                variant="ghost", color_scheme="gray", id="org-switcher", width="100%", justify="start",
            ),
        ),
        rx.menu.content(
            rx.text("Organizations", size="1", color_scheme="gray", padding_x="0.5em"),
            rx.foreach(
                ShellState.switcher_orgs,
                lambda org: rx.menu.item(
                    rx.hstack(initials_avatar(org.initials, size="1"), rx.text(org.name),
                              rx.cond(org.id == ShellState.org_id, rx.icon("check", size=14)), align="center"),
                    on_select=ShellState.switch_org(org.id),
                    class_name="org-option",
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(rx.icon("plus", size=14), "Create organization",
                         on_select=rx.redirect(routes.ORG_SELECTION)),
            rx.menu.item(rx.icon("settings", size=14), "Manage organization",
                         on_select=rx.redirect(routes.ORG_SETTINGS)),
        ),
    )


def user_button() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                initials_avatar(ShellState.initials, size="2", color="indigo"),
                rx.cond(ShellState.collapsed, rx.fragment(),
                        rx.vstack(rx.text(ShellState.user_name, size="2", weight="medium"),
                                  rx.text(ShellState.user_email, size="1", color_scheme="gray"),
                                  spacing="0", align="start")),
                variant="ghost", color_scheme="gray", id="user-button", width="100%", justify="start", height="auto",
                padding_y="0.4em",
            ),
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("user", size=14), "Manage account", on_select=rx.redirect(routes.ACCOUNT)),
            rx.menu.separator(),
            rx.menu.item(rx.icon("log_out", size=14), "Sign out", on_select=browser.sign_out(), id="sign-out"),
        ),
    )


def sidebar_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(ShellState.collapsed, logo(), wordmark()),
            rx.spacer(),
            rx.icon_button(rx.icon("panel_left", size=16), variant="ghost", color_scheme="gray",
                           on_click=ShellState.toggle_sidebar, title="Collapse sidebar", class_name="desktop-only"),
            width="100%", align="center",
        ),
        org_switcher(),
        rx.divider(),
        *[nav_item(label, icon, href) for label, icon, href in NAV],
        rx.text("Others", size="1", color_scheme="gray", margin_top="1em", padding_x="0.6em",
                display=rx.cond(ShellState.collapsed, "none", "block")),
        nav_item("Settings", "settings", routes.ORG_SETTINGS),
        rx.cond(ShellState.is_admin, nav_item("Billing", "credit_card", routes.BILLING)),
        rx.cond(ShellState.is_admin, nav_item("API keys", "key_round", routes.API_KEYS)),
        nav_item("API", "code", routes.API_DOCS),
        nav_item("Help and support", "circle_help", HELP_MAIL, active=False),
        rx.spacer(),
        billing_card(hidden=ShellState.collapsed),
        rx.divider(),
        user_button(),
        height="100%", spacing="2", padding="0.9em", align="start",
    )


def sidebar() -> rx.Component:
    """Fixed on desktop; below 1024 px the same body lives in a drawer opened from the top bar."""
    return rx.box(
        sidebar_body(),
        width=rx.cond(ShellState.collapsed, "72px", "260px"),
        height="100vh", position="sticky", top="0", flex_shrink="0",
        border_right="1px solid var(--gray-4)", background="var(--gray-1)",
        class_name="desktop-sidebar",
        style={"@media (max-width: 1023px)": {"display": "none"}},
    )


def mobile_bar() -> rx.Component:
    return rx.hstack(
        rx.drawer.root(
            rx.drawer.trigger(rx.icon_button(rx.icon("menu"), variant="ghost", id="mobile-menu")),
            rx.drawer.overlay(),
            rx.drawer.portal(rx.drawer.content(sidebar_body(), width="280px", height="100%",
                                               background="var(--gray-1)")),
            direction="left",
        ),
        wordmark(),
        padding="0.6em", border_bottom="1px solid var(--gray-4)", width="100%", align="center",
        style={"@media (min-width: 1024px)": {"display": "none"}},
    )
