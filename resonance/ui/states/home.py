"""Dashboard home state: the quick input card's text, estimate and hand-off to the editor."""

import reflex as rx

from resonance.billing.service import billing_enabled
from resonance.core import routes
from resonance.ui.states import billing as billing_ui
from resonance.ui.states.auth import AuthState

MAX_CHARS = 5000


class HomeState(AuthState):
    text: str = ""

    @rx.event
    def load(self):
        """on_load: each visit starts with an empty box, as the box itself does (nothing stale under a counter)."""
        self.text = ""

    @rx.event
    def set_text(self, value: str):
        self.text = value[:MAX_CHARS]

    @rx.var
    def greeting_name(self) -> str:
        return self.user_name or "there"

    @rx.var
    def text_empty(self) -> bool:
        return not self.text.strip()

    @rx.var
    def estimate(self) -> str:
        """The cost badge; empty (no badge) when billing is off."""
        if not billing_enabled():
            return ""
        if not self.text.strip():
            return "Start typing to estimate"
        return billing_ui.text_estimate(self.text)

    @rx.var
    def counter(self) -> str:
        return f"{len(self.text):,} / {MAX_CHARS:,} characters"

    @rx.event
    def go_generate(self):
        return rx.redirect(routes.text_to_speech(self.text))
