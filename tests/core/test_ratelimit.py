"""Attacks on the rate limits: more workers to multiply them, and a forged X-Forwarded-For to get fresh buckets.

(a) Two web workers (this process and a separate one, each serving the app's FastAPI part under uvicorn) share the
    running Redis: sign-in starts and API requests sent to both at once get the limit once, not once per worker.
(b) The client's address: with no trusted proxy a forged X-Forwarded-For changes nothing; behind one proxy, two
    clients get a bucket each and a client cannot forge its way past the proxy's entry. Reflex events follow the
    same rule (the router data built by Reflex itself).
(c) Redis unreachable: the limits hold in each process's memory.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from reflex.app import EventNamespace
from reflex.istate.data import RouterData

from resonance.core import ratelimit
from resonance.core.errors import RateLimited
from resonance.ui.states.auth import event_client
from tests.api.v1.conftest import make_team
from tests.servers import free_port, serving
from tests.core.ratelimit_worker import SIGN_IN, build
from tests.factories import random_email

REDIS_URL = "redis://127.0.0.1:6379/14"  # this module's own Redis database
ROOT = Path(__file__).resolve().parents[2]


def wait_until_serving(url: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/v1/models", timeout=5)
            return
        except httpx.TransportError:
            assert process is None or process.poll() is None, f"the worker at {url} exited"
            assert time.monotonic() < deadline, f"nothing serves {url}"
            time.sleep(0.05)


@pytest.fixture
def shared_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


# (a) Two workers

SHARED = {"REDIS_URL": REDIS_URL, "SIGNIN_RATE_LIMIT": "5/600", "API_RATE_LIMIT": "4/600", "TRUSTED_PROXY_HOPS": "1"}


@pytest.fixture(scope="module")
def other_worker(sqlite_url):
    """A second worker process on the tests' SQLite database and this module's Redis, behind one (pretend) proxy."""
    port = free_port()
    env = {**os.environ, "RESONANCE_DATABASE_URL": sqlite_url, **{f"RESONANCE_{k}": v for k, v in SHARED.items()}}
    process = subprocess.Popen([sys.executable, "-m", "tests.core.ratelimit_worker", str(port)], cwd=ROOT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def workers(sqlite_db, app_url, other_worker, configure, shared_redis) -> list[str]:
    """This process's worker and the other one, with the same settings."""
    configure(**SHARED)
    return [app_url, other_worker]


def together(requests: list[tuple[str, dict]], method: str = "POST") -> list[int]:
    """Send all requests at once (released by a barrier); their status codes, in order."""
    start = threading.Barrier(len(requests))

    def send(request: tuple[str, dict]) -> int:
        url, options = request
        with httpx.Client(timeout=60) as http:
            start.wait(timeout=60)
            return http.request(method, url, **options).status_code

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_two_workers_sharing_redis_allow_the_sign_in_limit_once_not_twice(workers, shared_redis):
    # One client behind the proxy, ten sign-in starts at once, half on each worker: 5 per 600 s in all.
    attempt = {"params": {"email": random_email(), "password": "a wrong password"},
               "headers": {"X-Forwarded-For": "198.51.100.7"}}
    codes = together([(workers[n % 2] + SIGN_IN, attempt) for n in range(10)])
    assert sorted(codes) == [401] * 5 + [429] * 5
    assert shared_redis.zcard(ratelimit.redis_key(ratelimit.SIGN_IN, "198.51.100.7")) == 5


def test_two_workers_sharing_redis_allow_an_api_key_its_limit_once(workers):
    team = make_team(workers[0], "Acme")
    request = {"headers": {"xi-api-key": team.secret}}
    codes = together([(workers[n % 2] + "/v1/models", request) for n in range(8)], method="GET")
    assert sorted(codes) == [200] * 4 + [429] * 4


# (b) The client's address


@pytest.fixture(scope="module")
def app_url():
    """The same app in a thread of this process (settings changed per test with `configure`; memory counters)."""
    with serving(build(), name="ratelimit-app", lifespan="off", proxy_headers=False) as url:  # as ratelimit_worker.py
        yield url


def start_sign_in(app_url: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return httpx.post(app_url + SIGN_IN, params={"email": random_email(), "password": "a wrong password"},
                      headers=headers, timeout=60).status_code


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_change_the_bucket(sqlite_db, app_url, configure):
    configure(TRUSTED_PROXY_HOPS=0)
    assert [start_sign_in(app_url, f"203.0.113.{n}") for n in range(5)] == [401] * 5
    assert start_sign_in(app_url, "203.0.113.200") == 429  # a "new" address each time: still this peer's bucket
    assert start_sign_in(app_url) == 429


def test_behind_one_proxy_each_client_has_its_bucket_and_cannot_forge_past_the_proxy(sqlite_db, app_url, configure):
    configure(TRUSTED_PROXY_HOPS=1)
    # The proxy appends the address it saw; whatever the client wrote stays to the left of it.
    assert [start_sign_in(app_url, f"10.9.9.{n}, 198.51.100.1") for n in range(5)] == [401] * 5
    assert start_sign_in(app_url, "10.9.9.77, 198.51.100.1") == 429
    assert start_sign_in(app_url, "198.51.100.2, 198.51.100.1") == 429  # naming another client changes nothing
    assert start_sign_in(app_url, "198.51.100.2") == 401  # the other client, really behind the proxy


def test_two_proxies_are_read_two_hops_deep(sqlite_db, app_url, configure):
    configure(TRUSTED_PROXY_HOPS=2)
    assert [start_sign_in(app_url, f"10.9.9.{n}, 198.51.100.3, 192.0.2.50") for n in range(5)] == [401] * 5
    assert start_sign_in(app_url, "198.51.100.3, 192.0.2.50") == 429
    assert start_sign_in(app_url, "198.51.100.4, 192.0.2.50") == 401


def reflex_event_router(peer: str, forwarded_for: list[str]) -> RouterData:
    """The router data Reflex builds for a websocket connection from this peer with these header lines."""
    scope = {"client": (peer, 50000), "headers": [(b"user-agent", b"Test/1.0")]
             + [(b"x-forwarded-for", line.encode()) for line in forwarded_for]}
    return RouterData.from_router_data(EventNamespace._build_static_router_data(None, "sid", {"asgi.scope": scope}))


@pytest.mark.parametrize("hops, expected", [(0, "10.0.0.5"), (1, "198.51.100.9"), (2, "203.0.113.4")])
def test_reflex_events_read_the_client_address_by_the_same_rule(configure, hops, expected):
    configure(TRUSTED_PROXY_HOPS=hops)
    router = reflex_event_router("10.0.0.5", ["6.6.6.6, 203.0.113.4", "198.51.100.9"])
    assert event_client(router) == (expected, "Test/1.0")


def test_the_setting_is_reflexs_own_variable(monkeypatch, configure):
    monkeypatch.setenv("REFLEX_TRUSTED_PROXY_HOPS", "1")
    assert configure().TRUSTED_PROXY_HOPS == 1


# (c) Redis unreachable, and the limits as data


def test_with_redis_unreachable_the_limits_hold_in_memory(configure, clock, caplog):
    configure(REDIS_URL=f"redis://127.0.0.1:{free_port()}/14")  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="resonance.ratelimit"):
        for _ in range(5):
            ratelimit.hit(ratelimit.SIGN_IN, "192.0.2.1")
        with pytest.raises(RateLimited) as limited:
            ratelimit.hit(ratelimit.SIGN_IN, "192.0.2.1")
    assert limited.value.retry_after == 10
    assert len([r for r in caplog.records if "Redis unreachable" in r.getMessage()]) == 1  # once, not per request


def test_windows_in_redis_slide_with_the_apps_clock(configure, clock, shared_redis):
    configure(REDIS_URL=REDIS_URL)
    for _ in range(5):
        ratelimit.hit(ratelimit.SIGN_IN, "192.0.2.2")
    clock.advance(seconds=3)
    with pytest.raises(RateLimited, match="Too many attempts, try again in 7 s"):
        ratelimit.hit(ratelimit.SIGN_IN, "192.0.2.2")
    clock.advance(seconds=7)
    ratelimit.hit(ratelimit.SIGN_IN, "192.0.2.2")
    assert not [key for key in shared_redis.keys() if b"192.0.2.2" in key]  # addresses are stored as digests


def test_every_limit_has_a_positive_rate_under_the_default_settings():
    for name, limit in ratelimit.LIMITS.items():
        count, seconds = ratelimit.rate(name)
        assert count > 0 and seconds > 0 and limit.message, name


def test_the_production_example_believes_exactly_its_one_proxy():
    """Behind the compose file's Caddy every client arrives from Caddy's address: without one trusted hop all of
    them would share each per-address bucket, and with more a client could choose its own address."""
    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "compose.yaml").read_text())
    assert compose["services"]["web"]["environment"]["REFLEX_TRUSTED_PROXY_HOPS"] == "1"
    assert "caddy" in compose["services"]


def test_the_addresses_of_one_ipv6_network_share_their_bucket():
    """Attack: a subscriber owns a whole /64 and could take a fresh address for every try."""
    count, _ = ratelimit.rate(ratelimit.SIGN_IN)
    for n in range(count):
        ratelimit.hit(ratelimit.SIGN_IN, f"2001:db8:1:2::{n + 1:x}")
    with pytest.raises(RateLimited):
        ratelimit.hit(ratelimit.SIGN_IN, "2001:db8:1:2:ffff:ffff:ffff:ffff")
    ratelimit.hit(ratelimit.SIGN_IN, "2001:db8:1:3::1")  # the next network is another client
    ratelimit.hit(ratelimit.SIGN_IN, "::ffff:192.0.2.1")  # an IPv4 address written as IPv6 is that IPv4 address
    assert ratelimit.address_bucket("::ffff:192.0.2.1") == "192.0.2.1"
