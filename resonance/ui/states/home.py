"""Dashboard home state: the quick input card's text, estimate and hand-off to the editor."""

from urllib.parse import quote

import reflex as rx

from resonance.ui import routes
from resonance.ui.states.auth import AuthState

COST_PER_CHAR = 0.0003  # $0.30 per 1,000 characters, as the original
MAX_CHARS = 5000


class HomeState(AuthState):
    text: str = ""

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
        if not self.text:
            return "Start typing to estimate"
        return f"${len(self.text) * COST_PER_CHAR:.4f} estimated"

    @rx.var
    def counter(self) -> str:
        return f"{len(self.text):,} / {MAX_CHARS:,} characters"

    @rx.event
    def go_generate(self):
        return rx.redirect(f"{routes.TEXT_TO_SPEECH}?text={quote(self.text.strip())}")
