"""Why a social sign-in was refused. Routes pass only the code (and the provider's name) in the redirect; the page
turns it into the sentence here, so no text from a URL is ever shown."""

from __future__ import annotations

from resonance.core.errors import ResonanceError

MESSAGES = {
    "state": "That sign-in could not be checked: it expired or was started in another browser. Please try again.",
    "cancelled": "The sign-in was cancelled at {provider}.",
    "provider": "{provider} did not complete the sign-in. Please try again.",
    "code": "{provider} refused the sign-in: the code was already used or has expired. Please try again.",
    "unreachable": "Couldn't reach {provider}. Try again.",
    "nonce": "The answer from {provider} does not belong to this sign-in (nonce mismatch). Please try again.",
    "id_token": "{provider} sent an identity token that failed our checks. Please try again.",
    "taken": "This {provider} account is already connected to another Resonance account.",
    "unknown": "That sign-in option is not available.",
    "signed_out": "Sign in first, then connect {provider} from your account page.",
    "last_way": "This is your only way to sign in. Set a password or connect another account first.",
    "link_expired": "This sign-in link has expired or was already used. Request a new one.",
}


class Refused(ResonanceError):
    """A social sign-in or magic link that must not go through; `code` keys MESSAGES."""

    status = 403

    def __init__(self, code: str, provider: str = ""):
        super().__init__(message(code, provider))
        self.code = code


def message(code: str, provider: str = "") -> str:
    """The sentence for a refusal code ("" for an unknown code); `provider` is the provider's display label."""
    text = MESSAGES.get(code, "")
    return text.format(provider=provider or "The provider")
