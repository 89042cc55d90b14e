"""Sign-in provider buttons: plain links to the backend start route, so the browser leaves the app for the provider
and comes back through a backend route that sets the HttpOnly session cookie."""

from __future__ import annotations

import reflex as rx


def provider_buttons(providers, verb: str = "Continue with") -> rx.Component:
    """One full-width link per configured provider; nothing (not even the divider) when none is configured.
    (Lucide, the icon set, has no brand logos, so every button shares one icon and names its provider.)"""
    return rx.cond(
        providers.length() > 0,
        rx.vstack(
            rx.hstack(rx.separator(size="4"), rx.text("or", size="1", color_scheme="gray"), rx.separator(size="4"),
                      align="center", width="100%"),
            rx.foreach(providers, lambda p: provider_link(
                rx.button(rx.icon("log_in", size=16), f"{verb} ", p.label, variant="outline", size="3",
                          width="100%"),
                href=p.href, id="oauth-" + p.name, width="100%",
            )),
            spacing="2", width="100%",
        ),
    )


def provider_link(child: rx.Component, *, href, id, **props) -> rx.Component:
    """A link the client-side router leaves alone (reload_document): the backend route must load for real."""
    return rx.link(child, href=href, id=id, reload_document=True, underline="none", **props)
