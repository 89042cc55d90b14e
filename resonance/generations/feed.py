"""A generation's chunks handed straight from the job to listeners in the same process.

The job stores every chunk (storage and the row stay the record: other processes, later readers and the player read
them there), and when it runs in this process (the in-process runner) it also puts each chunk here, so a listener in
this process has it at once instead of at its next poll of the row followed by a read from storage. A job run by a
Celery worker publishes in the worker's process, where nobody listens: listeners here then find no feed and poll.

Listeners are asyncio code (the API's streaming responses); the job is a thread. Knows nothing of the web layer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import numpy as np

_lock = threading.Lock()
_feeds: dict[str, Feed] = {}
_waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


class Feed:
    """The chunks of one running generation, in order, and whether the job got to the end."""

    def __init__(self, generation_id: str) -> None:
        self.generation_id = generation_id
        self.chunks: list[tuple[np.ndarray, int]] = []
        self.closed = False
        self.finished = False  # closed after the whole audio was stored and the row marked done

    def __len__(self) -> int:
        return len(self.chunks)

    async def follow(self, start: int = 0) -> AsyncIterator[tuple[np.ndarray, int]]:
        """(samples, rate) of chunk `start` and each one after it as the job puts it, until the feed closes."""
        sent = start
        while True:
            while sent < len(self.chunks):
                yield self.chunks[sent]
                sent += 1
            if self.closed:
                return
            await news(self.generation_id, None, ready=lambda: len(self.chunks) > sent or self.closed)


def open_feed(generation_id: str) -> Feed:
    """A fresh feed for a job that starts (a restarted job starts from the first chunk again)."""
    feed = Feed(generation_id)
    with _lock:
        _feeds[generation_id] = feed
    _wake(generation_id)
    return feed


def put(feed: Feed, samples: np.ndarray, rate: int) -> None:
    feed.chunks.append((samples, rate))
    _wake(feed.generation_id)


def close(feed: Feed, *, finished: bool) -> None:
    """The job ended. The feed leaves the registry (listeners already following it keep it to the end); a listener
    that comes later reads storage, where everything is."""
    feed.finished, feed.closed = finished, True
    with _lock:
        if _feeds.get(feed.generation_id) is feed:
            del _feeds[feed.generation_id]
    _wake(feed.generation_id)


def current(generation_id: str) -> Feed | None:
    """The running job's feed when the job runs in this process."""
    with _lock:
        return _feeds.get(generation_id)


async def news(generation_id: str, timeout: float | None, ready=lambda: False) -> None:
    """Return when this process's job for `generation_id` opens its feed, puts a chunk or closes, or after `timeout`
    seconds (None: no limit), whichever comes first; at once when `ready()` is already true."""
    loop, event = asyncio.get_running_loop(), asyncio.Event()
    waiter = (loop, event)
    with _lock:
        _waiters.setdefault(generation_id, set()).add(waiter)
    try:
        if ready():  # checked once registered, so news in between is not missed
            return
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
    finally:
        with _lock:
            waiting = _waiters.get(generation_id)
            if waiting is not None:
                waiting.discard(waiter)
                if not waiting:
                    del _waiters[generation_id]


def _wake(generation_id: str) -> None:
    with _lock:
        waiting = list(_waiters.get(generation_id, ()))
    for loop, event in waiting:
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # that listener's loop has closed
            pass
