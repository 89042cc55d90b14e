"""Every rate limit of the app, as data in one table, counted in one place.

A limit allows COUNT hits per SECONDS per key (a client address, an email address, an API key, an organization) in
a sliding window. With REDIS_URL set the windows live in Redis, so every web worker on every machine counts against
the same limit; without it they live in this process's memory (one process: the same thing).

Redis unreachable: every limit falls back to this process's memory, and Redis is tried again a few seconds later.
Neither failing open nor failing closed fits these limits. Open would hand an attacker unlimited sign-in guesses,
link and reset mails while Redis is down; closed would refuse every sign-in and every API call for the length of an
outage of a cache. In memory each limit still holds per worker: with N workers at most N times the limit gets
through until Redis answers again, and the per-account lockout (counted in the database, identity/signin.py) holds
exactly throughout.

Keys are stored as keyed digests, so Redis holds no email or client addresses. Time is `core.clock`, so tests move
windows by advancing the clock; in Redis the caller's clock is the script's clock too.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from resonance.core import security
from resonance.core.clock import clock
from resonance.core.config import Settings, get_settings
from resonance.core.config_values import parse_rate
from resonance.core.errors import RateLimited

log = logging.getLogger("resonance.ratelimit")


@dataclass(frozen=True)
class Limit:
    name: str  # the bucket: part of the Redis key
    per: str  # what one key is
    rate: Callable[[Settings], tuple[int, int]]  # (count, seconds), read from the settings at each hit
    message: str  # shown with ", try again in N s"
    in_database: bool = False  # counted by the database (exact and durable), not by this module


SIGN_IN = "sign-in"
SIGN_IN_FAILURES = "sign-in-failures"
MAGIC_LINK_IP = "magic-link-ip"
MAGIC_LINK_EMAIL = "magic-link-email"
PASSWORD_RESET_IP = "password-reset-ip"
PASSWORD_RESET_EMAIL = "password-reset-email"
VERIFICATION_IP = "verification-ip"
VERIFICATION_EMAIL = "verification-email"
VERIFICATION_EMAIL_DAY = "verification-email-day"
SIGN_UP_IP = "sign-up-ip"
API_KEY = "api-key"
VOICE_UPLOAD = "voice-upload"

LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    # Password sign-in starts (RESONANCE_SIGNIN_RATE_LIMIT): spraying passwords over many accounts.
    Limit(SIGN_IN, "client address", lambda s: s.signin_rate, "Too many attempts"),
    # Wrong passwords per account before it locks (RESONANCE_LOCKOUT_THRESHOLD in RESONANCE_LOCKOUT_MINUTES):
    # guessing one account's password from many addresses.
    Limit(SIGN_IN_FAILURES, "account", lambda s: (s.LOCKOUT_THRESHOLD, math.ceil(s.LOCKOUT_MINUTES * 60)),
          "Too many failed attempts", in_database=True),
    # Emailed sign-in links (RESONANCE_MAGIC_LINK_RATE_PER_IP / _PER_EMAIL): mail bombing, spraying addresses.
    Limit(MAGIC_LINK_IP, "client address", lambda s: parse_rate(s.MAGIC_LINK_RATE_PER_IP),
          "Too many sign-in link requests"),
    Limit(MAGIC_LINK_EMAIL, "email address", lambda s: parse_rate(s.MAGIC_LINK_RATE_PER_EMAIL),
          "Too many sign-in link requests"),
    # Password reset mails.
    Limit(PASSWORD_RESET_IP, "client address", lambda s: (5, 600), "Too many requests"),
    Limit(PASSWORD_RESET_EMAIL, "email address", lambda s: (3, 600), "Too many requests"),
    # New verification codes asked for (beside the per-account pause of RESONANCE_EMAIL_RESEND_SECONDS).
    Limit(VERIFICATION_IP, "client address", lambda s: (10, 600), "Too many codes requested"),
    Limit(VERIFICATION_EMAIL, "email address", lambda s: (5, 600), "Too many codes requested"),
    # ...and per day: each code allows a few guesses, so the codes an address can be sent bound the guessing.
    Limit(VERIFICATION_EMAIL_DAY, "email address", lambda s: (20, 86400), "Too many codes requested"),
    # Sign-ups (RESONANCE_SIGNUP_RATE_PER_IP): each sends a mail, to any address.
    Limit(SIGN_UP_IP, "client address", lambda s: parse_rate(s.SIGNUP_RATE_PER_IP), "Too many sign-ups"),
    # Public API requests (RESONANCE_API_RATE_LIMIT).
    Limit(API_KEY, "API key", lambda s: s.api_rate, "Too many requests with this API key"),
    # New custom voices (decoding and matching a recording costs seconds of CPU), from the app and the API.
    Limit(VOICE_UPLOAD, "organization", lambda s: (30, 3600), "Too many new voices"),
)}

REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, count in memory this long before trying Redis again


def hit(name: str, key: str) -> None:
    """Count one hit of `key` against the limit `name`; `RateLimited` ("… try again in N s", `retry_after`) when
    its window already holds the limit's count. A refused hit is not counted."""
    limit = LIMITS[name]
    if limit.in_database:
        raise ValueError(f"the {name} limit is counted by the database")
    settings = get_settings()
    count, seconds = limit.rate(settings)
    if limit.per == "client address":
        key = address_bucket(key)
    now = clock.now().timestamp()
    oldest = None
    if settings.REDIS_URL and _redis_usable():
        try:
            oldest = _hit_redis(settings.REDIS_URL, redis_key(name, key), now, count, seconds)
        except _redis_errors() as error:
            _redis_failed(error)
        else:
            _refuse_if_full(limit, oldest, now, seconds)
            return
    _refuse_if_full(limit, _memory.hit((name, key or "?"), now, count, seconds), now, seconds)


def address_bucket(address: str) -> str:
    """The bucket of a client address: an IPv6 address by its /64, the network one subscriber is given, so the
    addresses within it are one client; anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def hit_code_send(email: object, *, ip: str | None) -> None:
    """Count one mail with a verification code (resend, an address given; sign-up counts its client address in
    SIGN_UP_IP instead, ip=None): per client address, and per address in the short and the daily window."""
    address = email.strip().lower() if isinstance(email, str) else ""
    if ip is not None:
        hit(VERIFICATION_IP, ip or "?")
    hit(VERIFICATION_EMAIL, address)
    hit(VERIFICATION_EMAIL_DAY, address)


def rate(name: str) -> tuple[int, int]:
    """(count, seconds) of a limit under the current settings."""
    return LIMITS[name].rate(get_settings())


def redis_key(name: str, key: str) -> str:
    digest = security.digest(f"{name}:{key or '?'}")
    return f"resonance:ratelimit:{name}:{digest[:32]}"


def reset() -> None:
    """Forget every window kept in memory and any Redis failure (tests)."""
    global _redis_down_until
    _memory.clear()
    _redis_down_until = 0.0


def _refuse_if_full(limit: Limit, oldest: float | None, now: float, seconds: int) -> None:
    if oldest is not None:
        retry = max(1, math.ceil(oldest + seconds - now))
        raise RateLimited(f"{limit.message}, try again in {retry} s", retry_after=retry)


# In memory


class _Windows:
    """Sliding windows of hit times per (limit, key), in this process."""

    SWEEP_EVERY = 1000  # hits between sweeps of windows nobody hit again (keys are often one-off: spoofed emails)

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0

    def hit(self, bucket: tuple[str, str], now: float, count: int, seconds: int) -> float | None:
        """Note a hit and return None, or return the oldest hit's time when the window is full."""
        with self._lock:
            self._since_sweep += 1
            if self._since_sweep >= self.SWEEP_EVERY:
                self._sweep(now)
            window = self._hits.setdefault(bucket, deque())
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= count:
                return window[0]
            window.append(now)
            return None

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        settings = get_settings()
        seconds = {name: limit.rate(settings)[1] for name, limit in LIMITS.items() if not limit.in_database}
        for bucket, window in list(self._hits.items()):
            if not window or window[-1] <= now - seconds[bucket[0]]:
                del self._hits[bucket]

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
            self._since_sweep = 0


_memory = _Windows()


# In Redis

# Drop what left the window, then either refuse (returning the oldest hit, so the caller knows when one frees up) or
# note this hit; one script, so concurrent hits from any number of workers cannot both take the last place.
_SLIDING_WINDOW = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return {1, '0'}
"""

_redis_down_until = 0.0  # time.monotonic() before which Redis is not tried


def _hit_redis(url: str, key: str, now: float, count: int, seconds: int) -> float | None:
    allowed, oldest = _script(url)(keys=[key], args=[now, seconds, count, f"{now}:{security.new_token(6)}"])
    return None if int(allowed) else float(oldest)


def _redis_usable() -> bool:
    return time.monotonic() >= _redis_down_until


def _redis_failed(error: Exception) -> None:
    global _redis_down_until
    if _redis_usable():  # once per outage window, not once per request
        log.warning("rate limits: Redis unreachable (%s: %s); counting in this process's memory for %.0f s",
                    type(error).__name__, error, REDIS_RETRY_SECONDS)
    _redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS


@lru_cache
def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


@lru_cache
def _script(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return client.register_script(_SLIDING_WINDOW)
