"""Redis keys that make jobs safe across many workers: a lease per running job, renewed while its worker lives, and a
marker per job sent to the broker, so the periodic sweep does not send it again and again.

A lease is a redis-py Lock (SET NX PX with a random token; only the holder renews or releases it). A job marked
running in the database whose lease is gone has lost its worker (SIGKILL, power cut): the sweep queues it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import redis
from redis.exceptions import LockError

from resonance.core.config import get_settings

log = logging.getLogger("resonance.jobs")

PREFIX = "resonance:jobs:"


@lru_cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)


def client() -> redis.Redis:
    return _client(get_settings().REDIS_URL)


def _key(what: str, kind: str, job_id: str) -> str:
    return f"{PREFIX}{what}:{kind}:{job_id}"


@contextmanager
def hold(kind: str, job_id: str) -> Iterator[bool]:
    """Take the job's lease for the duration of the block (yields False when another worker holds it) and renew it
    from a thread every third of JOBS_LEASE_SECONDS, so a slow chunk never lets it lapse while this process lives."""
    seconds = get_settings().JOBS_LEASE_SECONDS
    lock = client().lock(_key("lease", kind, job_id), timeout=seconds, blocking=False, thread_local=False)
    if not lock.acquire():
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                lock.reacquire()
            except LockError:
                log.error("lost the lease of %s job %s; another worker may run it again", kind, job_id)
                return
            except redis.RedisError:
                log.exception("could not renew the lease of %s job %s", kind, job_id)

    renewer = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join(5)
        try:
            lock.release()
        except LockError:
            pass  # expired meanwhile: nothing of ours to release


def held(kind: str, job_id: str) -> bool:
    """Whether some live worker holds this job's lease."""
    return bool(client().exists(_key("lease", kind, job_id)))


def mark_sent(kind: str, job_id: str, seconds: float) -> bool:
    """Note that the job is being sent to the broker; False when it was already sent within `seconds`."""
    return bool(client().set(_key("sent", kind, job_id), "1", nx=True, ex=max(1, int(seconds))))


def forget_sent(kind: str, job_id: str) -> None:
    """The message arrived at a worker (or could not be sent): a later sweep may send the job again."""
    client().delete(_key("sent", kind, job_id))
