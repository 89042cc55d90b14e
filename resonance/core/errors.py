"""Errors the services raise. Adapters (Reflex states, HTTP routes) turn them into messages and status codes."""


class ResonanceError(Exception):
    """Base of every rule violation a person can be told about; `str(error)` is safe to show.

    `persist=True` marks a failure whose bookkeeping must be kept (a failed sign-in counts towards lockout):
    `session_scope()` then commits before the error propagates instead of rolling back.
    """

    status = 400

    def __init__(self, message: str = "", *, persist: bool = False):
        super().__init__(message)
        self.persist = persist


class Invalid(ResonanceError):
    """Input that breaks a rule (too long, wrong format, already taken)."""

    status = 422


class NotFound(ResonanceError):
    """Missing, or belonging to another organization: the two are never told apart."""

    status = 404


class Forbidden(ResonanceError):
    """Signed in, but the role does not allow this action."""

    status = 403


class Unauthenticated(ResonanceError):
    """No valid session."""

    status = 401


class RateLimited(ResonanceError):
    """Too many attempts; `retry_after` says how many seconds to wait."""

    status = 429

    def __init__(self, message: str, retry_after: int, *, persist: bool = False):
        super().__init__(message, persist=persist)
        self.retry_after = retry_after


class Unavailable(ResonanceError):
    """Something the app depends on (storage) is down for longer than it waits: try again later. The message says
    so in plain words; `core.failures.report` logs the cause with a reference."""

    status = 503


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class SubscriptionRequired(ResonanceError):
    """Billing is on and the organization has no active subscription (generating speech, creating voices)."""

    status = 402
    code = "SUBSCRIPTION_REQUIRED"

    def __init__(self, message: str = "Subscription required", *, persist: bool = False):
        super().__init__(message, persist=persist)
