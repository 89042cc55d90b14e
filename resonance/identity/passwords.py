"""Password policy: length, the common-password list zxcvbn ships (30,000 entries), and a strength hint."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from resonance.core import text_input
from resonance.core.config import get_settings
from resonance.core.errors import Invalid

STRENGTH_LABELS = ("Very weak", "Weak", "Fair", "Good", "Strong")


@lru_cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.lower() in _common()


def validate_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise `Invalid` with the first rule the password breaks (NIST 800-63B: length and blocklist, no composition)."""
    s = get_settings()
    password = password if isinstance(password, str) else ""
    if not text_input.is_line(password):
        raise Invalid(text_input.refusal("Password"))
    if len(password) < s.PASSWORD_MIN_LENGTH:
        raise Invalid(f"Password must be at least {s.PASSWORD_MIN_LENGTH} characters.")
    if len(password) > s.PASSWORD_MAX_LENGTH:
        raise Invalid(f"Password must be at most {s.PASSWORD_MAX_LENGTH} characters.")
    lowered = password.lower()
    if is_common(password) or lowered in {email.lower(), email.lower().split("@")[0], name.lower()}:
        raise Invalid("This password is too common or easy to guess. Choose another.")


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    hint: str


def strength(password: str, *, user_inputs: tuple[str, ...] = ()) -> Strength:
    """zxcvbn's estimate, for the meter on the sign-up and password forms (only the first 100 chars: it is slow)."""
    if not password:
        return Strength(0, "", "")
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    feedback = result["feedback"]
    hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or [])
    score = 0 if is_common(password) else int(result["score"])
    return Strength(score, STRENGTH_LABELS[score], hint)
