"""The log's safety net: one filter that scrubs anything shaped like our secrets from every log record.

The rule is that no code logs a token, code, link with a token, API key, cookie or credential in the first place;
this filter catches what slips through (a library's exception text, a URL in an access log line). It is installed as
part of the log record factory (`install()`, called where each process starts: the app module, the Celery app, the
speech service), so it covers every logger and every handler, including ones that do not propagate to the root or
that a framework adds later.

Records of the `DEV_OUTBOX` logger pass unscrubbed in development only: there the log is the dev outbox's companion
and shows each message's body whole (resonance/mail/service.py). A logger name, not an `extra`, marks them: the record
factory runs before a record's extras are set.
"""

from __future__ import annotations

import logging
import re
import traceback

REDACTED = "[redacted]"

# The logger of development mail bodies, shown whole when RESONANCE_ENV=development.
DEV_OUTBOX = "resonance.mail.dev_outbox"

# A secret's value, up to the next delimiter; never an earlier pattern's [redacted].
_VALUE = r"(?!\[redacted\])[^\s&#\"'<>,;)}\]]+"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Organization API keys ("Resonance secret key").
    (re.compile(r"\brsk_[A-Za-z0-9_\-]+"), REDACTED),
    # Signed JWTs: sign-in tickets, OAuth state and ID tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), REDACTED),
    # Links whose path carries a token: magic sign-in links and invitations.
    (re.compile(r"(/api/auth/magic/|/invite/)[A-Za-z0-9_\-]+"), r"\1" + REDACTED),
    # Secret query parameters and form fields: ?token=…, &code=…, ticket=…, state=…
    (re.compile(r"(?i)([?&;\s]|^)((?:token|code|ticket|state|code_verifier|access_token|refresh_token|id_token|"
                r"client_secret|password|api_key)=)" + _VALUE), r"\1\2" + REDACTED),
    # Credential headers and key/value pairs, as written in HTTP, dict reprs or JSON.
    (re.compile(r"(?i)(\b(?:authorization|proxy-authorization)[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?"
                + _VALUE), r"\1" + REDACTED),
    (re.compile(r"(?i)(\b(?:xi-api-key|x-api-key|api[_-]?key|access_token|refresh_token|id_token|client_secret|"
                r"password|secret|token|ticket|code_verifier)[\"']?\s*[:=]\s*[\"']?)" + _VALUE), r"\1" + REDACTED),
    # Cookie headers (every cookie in them, to the end of the line), and our session cookie wherever it is named.
    (re.compile(r"(?i)(\b(?:set-)?cookie[\"']?\s*[:=]\s*[\"']?)(?!\[redacted\])[^\s\"'][^\"'\r\n]*"), r"\1" + REDACTED),
    (re.compile(r"(?i)(resonance_session[\"']?\s*[:=]\s*[\"']?)" + _VALUE), r"\1" + REDACTED),
    # Verification codes: "123456 is your … code", "code: 123456", "Your code 123456".
    (re.compile(r"(?i)\b\d{4,8}(\s+is\s+your\b)"), REDACTED + r"\1"),
    (re.compile(r"(?i)(\bcodes?[\"']?\s*[:=]?\s*[\"']?)\d{4,8}\b"), r"\1" + REDACTED),
    # Passwords inside URLs (database, Redis, broker).
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
]


def redact(text: str) -> str:
    """`text` with everything that looks like one of our secrets replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_tree(value: object) -> object:
    """`value` with every string in it redacted: dicts and lists walked, numbers kept, other objects shown by repr
    (a structured log line, an error tracker's event)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: redact_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_tree(item) for item in value]
    return redact(value if isinstance(value, str) else repr(value))


def _redact_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value  # keeps %d and %f placeholders working
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - an argument that cannot be shown cannot leak either
        return value
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactingFilter(logging.Filter):
    """Scrubs a record in place (message, arguments, exception and stack text); never drops one. A record it changed
    carries `resonance_redacted = True`: our own code should never be the cause (tests check that)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.resonance_redacted = False
        if exempt(record.name) or isinstance(record.msg, dict):
            return True  # a structlog event (a dict) is scrubbed value by value as it is rendered (core/logs.py)
        before = (record.msg, record.args)
        if not record.args:
            record.msg = _redact_value(record.msg)
        # Arguments one by one first (never the format itself, whose placeholders a pattern could swallow), so
        # formatters that read them (uvicorn's access log) keep their shape.
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        # Then the message as a whole: a secret may only appear once the format and its arguments meet.
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format is reported by the handler as usual
            message = None
        if message is not None and (cleaned := redact(message)) != message:
            record.msg, record.args = cleaned, ()
        changed = (record.msg, record.args) != before
        if record.exc_info and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
            changed = changed or record.exc_text != text
        elif record.exc_text:
            text, record.exc_text = record.exc_text, redact(record.exc_text)
            changed = changed or record.exc_text != text
        if record.stack_info:
            text, record.stack_info = record.stack_info, redact(record.stack_info)
            changed = changed or record.stack_info != text
        record.resonance_redacted = changed
        return True


def exempt(logger_name: str) -> bool:
    """Whether a logger's lines pass unscrubbed: the dev outbox's, in development only."""
    if logger_name != DEV_OUTBOX:
        return False
    from resonance.core.config import get_settings

    return get_settings().is_dev


_FILTER = RedactingFilter()


def install() -> None:
    """Scrub every record this process creates, from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "resonance_redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    factory.resonance_redacting = True  # type: ignore[attr-defined]
    factory.previous = previous  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def uninstall() -> None:
    """Undo `install()` (tests)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "resonance_redacting", False):
        logging.setLogRecordFactory(current.previous)  # type: ignore[attr-defined]
