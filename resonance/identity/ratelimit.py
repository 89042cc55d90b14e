"""Sliding-window rate limits kept in this process's memory.

Good for one app process; with several web workers each counts on its own, so a limit of N becomes N per worker
(the scale-out work moves this to Redis). Race conditions only ever let a request or two extra through.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from resonance.core.clock import clock
from resonance.core.errors import RateLimited

_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def hit(bucket: str, key: str, *, limit: int, window_s: float, message: str = "Too many attempts") -> None:
    """Count one attempt; raise `RateLimited` ("… try again in N s") when the window already holds `limit`."""
    now = clock.now().timestamp()
    with _lock:
        window = _hits[(bucket, key)]
        while window and window[0] <= now - window_s:
            window.popleft()
        if len(window) >= limit:
            retry = max(1, math.ceil(window[0] + window_s - now))
            raise RateLimited(f"{message}, try again in {retry} s", retry_after=retry)
        window.append(now)


def reset() -> None:
    """Forget every window (tests)."""
    with _lock:
        _hits.clear()
