"""Browser-side steps the UI needs that Reflex events cannot do themselves."""

from __future__ import annotations

import json

import reflex as rx

from resonance.core.config import get_settings


def post_navigate(path: str, fields: dict[str, str]) -> rx.event.EventSpec:
    """Submit a hidden form to a backend route: a full-page POST navigation, so the HttpOnly cookie the route sets
    is sent when the next page opens its websocket."""
    action = json.dumps(get_settings().API_URL + path)
    inputs = json.dumps(fields)
    return rx.call_script(
        "(() => {const f = document.createElement('form'); f.method = 'POST'; f.action = " + action + ";"
        "for (const [k, v] of Object.entries(" + inputs + ")) {const i = document.createElement('input');"
        "i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);}"
        "document.body.appendChild(f); f.submit();})()"
    )


def sign_out() -> rx.event.EventSpec:
    return post_navigate("/api/auth/sign-out", {})
