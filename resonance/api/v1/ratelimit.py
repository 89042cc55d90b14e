"""The per-key rate limit of the public API (RESONANCE_API_RATE_LIMIT, COUNT/SECONDS, a sliding window).

With RESONANCE_REDIS_URL set, the window lives in Redis, so every web worker counts against the same limit;
otherwise each process counts on its own (`identity.ratelimit`). If Redis cannot be reached the request is let
through and the failure logged: a broken counter must not take the API down.
"""

from __future__ import annotations

import logging
import math
import secrets
from functools import lru_cache

from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import RateLimited
from resonance.identity import ratelimit as in_process

log = logging.getLogger("resonance.api")

BUCKET = "api-key"
MESSAGE = "Too many requests with this API key"

# Drop what left the window, then either refuse (returning the oldest hit, so the caller knows when one frees up) or
# note this hit; one script, so concurrent requests cannot both take the last place.
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


def check(key_id: str) -> None:
    """Count one request of this key; `RateLimited` (with `retry_after`) when its window is full."""
    settings = get_settings()
    limit, window = settings.api_rate
    if settings.REDIS_URL:
        _check_redis(settings.REDIS_URL, key_id, limit, window)
    else:
        in_process.hit(BUCKET, key_id, limit=limit, window_s=window, message=MESSAGE)


def _check_redis(url: str, key_id: str, limit: int, window: int) -> None:
    now = clock.now().timestamp()
    try:
        allowed, oldest = _script(url)(keys=[f"resonance:ratelimit:{BUCKET}:{key_id}"],
                                       args=[now, window, limit, f"{now}:{secrets.token_hex(4)}"])
    except Exception:  # noqa: BLE001 - Redis down: serve rather than refuse everyone
        log.exception("API rate limit: Redis unreachable, request let through")
        return
    if not int(allowed):
        retry = max(1, math.ceil(float(oldest) + window - now))
        raise RateLimited(f"{MESSAGE}, try again in {retry} s", retry_after=retry)


@lru_cache
def _script(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return client.register_script(_SLIDING_WINDOW)
