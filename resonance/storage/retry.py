"""Riding out a storage outage: an operation that failed transiently (`StorageUnreachable`: connection refused or
reset, a timeout, a 5xx, SlowDown) is tried again with exponential backoff until `seconds` have passed since its
first try, then `StorageUnavailable` is raised, whose message is for people; the last failure is its cause, for
the log. Anything else (`NotFound`, a refusal, a bad key) is raised at once: trying again cannot change a 4xx.

The backends call `RetryPolicy.run` around each request they send, so a long listing retries one page, not all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from resonance.storage.base import StorageUnavailable, StorageUnreachable

log = logging.getLogger("resonance.storage")
T = TypeVar("T")

FIRST_DELAY = 0.2  # seconds before the second try; doubles each time
MAX_DELAY = 5.0  # a storage back from an outage is noticed within this


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying; `sleep` and `monotonic` are the clock (tests pass their own)."""

    seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY

    def run(self, what: str, call: Callable[[], T]) -> T:
        """`call()`, tried again while it raises `StorageUnreachable` and the time allows. `what` names the
        operation in the log (keys may appear there, never in what people are shown)."""
        deadline = self.monotonic() + self.seconds
        delay, tries = self.first_delay, 0
        while True:
            tries += 1
            try:
                return call()
            except StorageUnreachable as error:
                left = deadline - self.monotonic()
                if left <= 0:
                    log.error("storage %s: still failing after %d tries over %.0f s: %s", what, tries,
                              self.seconds, error)
                    raise StorageUnavailable() from error
                if tries == 1:
                    log.warning("storage %s failed (%s); trying again for up to %.0f s", what, error, self.seconds)
                # The jitter keeps many workers from knocking on a recovering storage in step; the last wait ends
                # at the deadline, where one more try decides.
                self.sleep(min(left, random.uniform(delay / 2, delay)))
                delay = min(delay * 2, self.max_delay)
