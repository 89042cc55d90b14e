"""What a person is told when something fails on our side: a stable message and a short reference; the detail
(exception, traceback, storage keys, service URLs) goes to the log under the same reference, so support can find it
from a screenshot and nothing internal reaches a page, a stored row or an API body."""

from __future__ import annotations

import logging
import secrets

from resonance.core.errors import Invalid, NotFound, Unavailable


def new_reference() -> str:
    """Eight hex characters: unique enough to find one log line, short enough to read out."""
    return secrets.token_hex(4)


def report(log: logging.Logger, error: BaseException, message: str, what: str, *args: object) -> str:
    """The text to show (and store) for `error`. A refusal written for people (`Invalid`: bad input they can fix,
    `NotFound`) keeps its own text; anything else becomes `message` with a new reference, and `what % args` is
    logged at ERROR with that reference and the traceback. An outage (`Unavailable`) is shown in its own plain
    words, which say to try again, with the reference; its cause (hosts, keys) goes only to the log."""
    if isinstance(error, (Invalid, NotFound)):
        log.info(what + ": %s", *args, error)
        return str(error) or message
    reference = new_reference()
    # The line carries the request id too (core/logs.py), so a reference leads to the rest of its request.
    log.error(what + " (reference %s)", *args, reference, exc_info=error, extra={"reference": reference})
    shown = str(error) if isinstance(error, Unavailable) else message
    return f"{shown} Reference: {reference}"
