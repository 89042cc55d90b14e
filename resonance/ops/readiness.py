"""Whether this process can serve: the database answers, Redis answers (when configured), storage can be written
(local folder) or reached (bucket), and the speech engine is loaded or can load.

The answer names each check with "ok" or "error" and nothing more: no address, driver message or key, since a load
balancer's probe is unauthenticated. The cause goes to the log. Checks run side by side in threads with one
deadline, and the result is kept for CACHE_SECONDS, so a flood of probes costs one round of checks a second or two.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

log = logging.getLogger("resonance.ops")

CACHE_SECONDS = 2.0
DEADLINE_SECONDS = 3.0  # a check that has not answered by then counts as an error


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]  # name -> "ok" | "error"

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())

    def body(self) -> dict:
        return {"status": "ok" if self.ready else "error", "checks": dict(self.checks)}


def check_database() -> None:
    from sqlalchemy import text

    from resonance.core.db import get_engine

    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def check_redis() -> None:
    import redis

    from resonance.core.config import get_settings

    client = redis.Redis.from_url(get_settings().REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def check_storage() -> None:
    from resonance.storage import get_storage

    get_storage().probe()


def check_speech() -> None:
    from resonance.speech.registry import get_engine

    get_engine().ready()


def checks() -> dict[str, Callable[[], None]]:
    """The checks this process's configuration calls for."""
    from resonance.core.config import get_settings

    found = {"database": check_database}
    if get_settings().REDIS_URL:
        found["redis"] = check_redis
    found["storage"] = check_storage
    found["speech"] = check_speech
    return found


def run_checks(deadline: float = DEADLINE_SECONDS) -> Readiness:
    """Every check once, side by side."""
    todo = checks()
    results: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(check) for name, check in todo.items()}
        end = time.monotonic() + deadline
        for name, future in futures.items():
            try:
                future.result(timeout=max(0.0, end - time.monotonic()))
                results[name] = "ok"
            except FutureTimeout:
                log.warning("readiness: %s did not answer within %.0f s", name, deadline)
                results[name] = "error"
            except Exception as error:  # noqa: BLE001 - any failure is "not ready"; the cause goes to the log only
                log.warning("readiness: %s failed: %s: %s", name, type(error).__name__, error)
                results[name] = "error"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the answer
    return Readiness(results)


class CachedReadiness:
    """One round of checks at a time per process; answers within `ttl` seconds of the last round reuse it."""

    def __init__(self, ttl: float = CACHE_SECONDS, run: Callable[[], Readiness] = run_checks) -> None:
        self._ttl, self._run = ttl, run
        self._lock = threading.Lock()
        self._last: tuple[float, Readiness] | None = None

    def get(self) -> Readiness:
        with self._lock:  # concurrent probes wait for the round in progress instead of starting their own
            if self._last is None or time.monotonic() - self._last[0] >= self._ttl:
                self._last = (time.monotonic(), self._run())
            return self._last[1]

    def clear(self) -> None:
        with self._lock:
            self._last = None


readiness = CachedReadiness()
