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


# Passkeys: assets/passkeys.js runs the browser's WebAuthn prompt and answers {credential} or {error}.
PASSKEYS_SCRIPT = "/passkeys.js"
PASSKEY_ERRORS = {
    "NotAllowedError": "The passkey prompt was cancelled or timed out.",
    "InvalidStateError": "This device already holds a passkey for your account.",
    "NotSupportedError": "This browser cannot use passkeys.",
}
PASSKEY_FAILED = "The passkey prompt did not work. Try again."


def passkey_prompt(kind: str, options: str, callback) -> rx.event.EventSpec:
    """Run navigator.credentials.create (`kind` "create") or .get ("get") with the server's options; `callback`
    gets the answer."""
    return rx.call_script(f"window.resonancePasskeys.{kind}({json.dumps(options)})", callback=callback)


def passkey_answer(state, result) -> tuple[str, dict] | None:
    """(the pending challenge's id, the credential) from a prompt's answer to a page whose state keeps the id in
    `_passkey_ceremony` and shows `error`. The page forgets the id either way (one answer per challenge); None, with
    the error set, when the browser gave no credential."""
    ceremony_id, state._passkey_ceremony = state._passkey_ceremony, ""
    result = result if isinstance(result, dict) else {}
    credential = result.get("credential")
    if isinstance(credential, dict):
        state.error = ""
        return ceremony_id, credential
    state.error = PASSKEY_ERRORS.get(str(result.get("error", "")), PASSKEY_FAILED)
    return None
