"""What text may enter: the one rule for every string people and programs send (form fields, websocket events, API
bodies and query strings, ids in paths), applied by the services where they take their input.

PostgreSQL refuses NUL (0x00) in text, and a lone surrogate (JSON's "\\ud800", which websocket events and API bodies
can carry) cannot be encoded at all: either would fail the query instead of breaking a rule. The other control
characters are refused too: nobody types them, and they would end up in names shown to others, mail and logs.

- A line (names, emails, passwords, ids, search): no C0 or C1 control character at all, tab and line breaks included.
- Text (text to speak, descriptions): tab, line feed and carriage return are allowed.

Ids and tokens that break the rule cannot name anything: lookups answer "not found", as for an unknown id.
"""

from __future__ import annotations

import re

from resonance.core.errors import Invalid

# C0 controls, DEL and the C1 controls, and the surrogate code points (never valid on their own in UTF-8).
_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def refusal(field: str) -> str:
    """The message for a value with a character the rule refuses."""
    return f"{field} can't contain control characters or invalid Unicode."


def is_line(value: object) -> bool:
    """Whether `value` is a string a line may hold (possibly empty): what an id, token or email lookup needs."""
    return isinstance(value, str) and _NOT_IN_LINE.search(value) is None


def line(value: object, field: str) -> str:
    """A single-line field, trimmed (None reads as empty); `Invalid` naming the field when it is not a string or
    holds a control character."""
    return _checked(value, field, _NOT_IN_LINE)


def text(value: object, field: str) -> str:
    """Multi-line text, trimmed (None reads as empty); tab and line breaks are allowed, other control characters
    are `Invalid`."""
    return _checked(value, field, _NOT_IN_TEXT)


def _checked(value: object, field: str, refused: re.Pattern[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text.")
    value = value.strip()  # surrounding whitespace (a pasted line break) goes before the rule applies
    if refused.search(value):
        raise Invalid(refusal(field))
    return value
