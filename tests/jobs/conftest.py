"""Job fixtures: the running Redis (a database number of the tests' own, keys of each test's own) and settings that
switch jobs to Celery with a short lease and sweep, so a lost worker is noticed within seconds."""

from __future__ import annotations

import os
import secrets

import pytest
import redis

REDIS_URL = os.environ.get("RESONANCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {REDIS_URL}: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def celery_jobs(redis_url, configure):
    """Celery backend settings with a queue of this test's own; its Redis keys are deleted afterwards."""
    queue = f"resonance-test-{secrets.token_hex(4)}"
    settings = configure(REDIS_URL=redis_url, JOBS_BACKEND="celery", JOBS_QUEUE=queue, JOBS_LEASE_SECONDS=2,
                         JOBS_SWEEP_SECONDS=1)
    client = redis.Redis.from_url(redis_url)
    before = set(client.keys("resonance:jobs:*"))
    yield settings
    leftovers = [k for k in client.keys("resonance:jobs:*") if k not in before] + client.keys(f"{queue}*")
    if leftovers:
        client.delete(*leftovers)
    client.close()


def queued_tasks(redis_url: str, queue: str) -> list[tuple[str, list]]:
    """(task name, args) of the messages waiting in the broker's list for `queue`, oldest first."""
    import base64
    import json

    client = redis.Redis.from_url(redis_url)
    found = []
    for raw in reversed(client.lrange(queue, 0, -1)):  # kombu LPUSHes, workers BRPOP
        message = json.loads(raw)
        args, _, _ = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    client.close()
    return found
