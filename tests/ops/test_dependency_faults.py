"""The app across an outage of a server it depends on, with real servers of the test's own that are stopped and
started mid-work (tests/daemons.py; never the shared ones):
(a) PostgreSQL restarted while a generation runs: the job waits and finishes, once, billed once; a request while it
    is down gets a clean 503 (no driver message, no address), and the same request works once it is back;
(b) Redis down or hung: /readyz says so within its deadline, rate limits answer (in memory) instead of hanging, and
    the Celery dispatcher sends the jobs queued meanwhile once Redis is back.
"""

from __future__ import annotations

import logging
import os
import secrets
import time

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.billing.models import UsageRecord
from resonance.core import ratelimit
from resonance.core.config import get_settings
from resonance.generations import jobs
from resonance.generations.models import Generation
from resonance.jobs.celery_client import RUN
from resonance.jobs.distributed import CeleryDispatcher
from resonance.jobs.runner import Runner
from resonance.ops.readiness import DEADLINE_SECONDS, run_checks
from resonance.orgs import api_keys
from resonance.orgs.scope import system_session, tenant_session
from tests.conftest import _clear_caches, _empty_tables
from tests.daemons import PrivatePostgres, PrivateRedis
from tests.factories import all_rows, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.test_jobs import bill_from_now_on, queue
from tests.jobs.conftest import queued_tasks
from tests.ops.test_shutdown import GatedEngine

DEADLINE_S = 60.0  # generous: a condition that holds is seen long before
BOUNDED_S = 15.0  # a call to a hung Redis must end well within this (its socket timeouts are a few seconds)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed (CI is set, so this fails instead of skipping)")
    pytest.skip(f"{what} is not installed")


# (a) PostgreSQL


@pytest.fixture(scope="module")
def pg():
    if not PrivatePostgres.available():
        _missing("PostgreSQL (initdb, pg_ctl)")
    server = PrivatePostgres()
    try:
        server.start()
        admin = create_engine(server.url().replace("postgresql://", "postgresql+psycopg2://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "resonance"'))
        admin.dispose()
        schema = create_engine(server.url("resonance").replace("postgresql://", "postgresql+psycopg2://"))
        SQLModel.metadata.create_all(schema)
        schema.dispose()
        yield server
    finally:
        server.close()


@pytest.fixture
def private_db(pg, monkeypatch):
    """The app's database is the private server; it is running again after the test, whatever the test did."""
    monkeypatch.setenv("RESONANCE_DATABASE_URL", pg.url("resonance"))
    _clear_caches()
    _empty_tables()
    yield pg
    _clear_caches()
    if not _answers(pg):
        pg.start()


def _answers(pg: PrivatePostgres) -> bool:
    probe = create_engine(pg.url().replace("postgresql://", "postgresql+psycopg2://"))
    try:
        with probe.connect():
            return True
    except Exception:  # noqa: BLE001 - down
        return False
    finally:
        probe.dispose()


def _status(generation_id: str) -> str | None:
    try:
        with system_session() as session:
            return session.get(Generation, generation_id).status
    except Exception:  # noqa: BLE001 - the test's own read may meet a connection the restart cut
        return None


def test_a_generation_waits_out_a_database_restart_and_finishes_once(private_db, monkeypatch, configure, caplog):
    engine = GatedEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    admin = make_user()
    principal, _ = signed_in(admin, make_org(admin=admin))
    generation_id = queue(principal, engine)
    bill_from_now_on(configure)
    runner = Runner([jobs.GENERATION_JOBS], idle_wait_s=0.05)
    runner.start()
    try:
        assert engine.waiting.wait(DEADLINE_S)
        private_db.stop()  # the job's pooled connection dies with it
        with caplog.at_level(logging.WARNING, logger="resonance.db"):
            engine.gate.set()  # the job now wants to write its progress, with no database
            wait_for(lambda: "database unavailable during generation" in caplog.text, "the job to meet the outage")
            private_db.start()
            wait_for(lambda: _status(generation_id) in ("done", "failed"), "the generation to end")
    finally:
        engine.gate.set()
        runner.stop(timeout=10)
    done = all_rows(Generation)[0]
    assert (done.status, done.error) == ("done", "")
    assert done.chunks_done == done.chunks_total >= 2
    assert len(all_rows(UsageRecord, source_id=generation_id)) == 1  # billed once


@pytest.fixture
def api_team(private_db):
    admin = make_user()
    org = make_org(admin=admin)
    principal, cookie = signed_in(admin, org)
    with tenant_session(org.id) as session:
        secret = api_keys.create_key(session=session, actor=principal, name="script").secret
    return secret, cookie


def test_requests_during_a_database_outage_get_a_clean_503_and_work_once_it_is_back(private_db, api_team):
    secret, cookie = api_team
    client = TestClient(build_api())
    client.cookies.set(get_settings().SESSION_COOKIE_NAME, cookie)

    def public_api():
        return client.get("/v1/user", headers={"xi-api-key": secret})

    def app_route():  # the app's own routes: the cookie's session is looked up, then the row
        return client.get("/api/audio/gen_missing")

    assert (public_api().status_code, app_route().status_code) == (200, 404)
    private_db.stop()
    down = public_api()
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    assert down.json()["detail"]["status"] == "service_unavailable"
    page = app_route()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    for answer in (down, page):  # nothing of the driver, the server or its address
        for internal in ("psycopg", "Operational", "sqlalchemy", "postgres", "127.0.0.1", str(private_db.port)):
            assert internal not in answer.text
    readiness = client.get("/readyz")
    assert readiness.status_code == 503 and readiness.json()["checks"]["database"] == "error"
    private_db.start()
    for request, expected in ((public_api, 200), (app_route, 404)):
        def recovered(request=request, expected=expected) -> bool:
            answer = request()
            assert answer.status_code in (expected, 503), answer.text  # meanwhile: the same clean answer
            return answer.status_code == expected

        wait_for(recovered, "the request to work again")


# (b) Redis


@pytest.fixture(scope="module")
def private_redis():
    if not PrivateRedis.available():
        _missing("redis-server")
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(private_redis):
    """The private Redis, running and answering again after the test."""
    yield private_redis
    private_redis.resume()
    if private_redis._process is None:
        private_redis.start()


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_readiness_reports_redis_within_its_deadline(sqlite_db, configure, redis_server, fault):
    configure(REDIS_URL=redis_server.url)
    assert run_checks().checks["redis"] == "ok"
    redis_server.stop() if fault == "stopped" else redis_server.pause()
    result, seconds = _timed(run_checks)
    assert result.checks["redis"] == "error" and result.checks["database"] == "ok"
    assert seconds < DEADLINE_SECONDS + 2  # the deadline, not a hang


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_rate_limits_answer_from_memory_while_redis_is_away_and_use_it_again_after(
        configure, clock, redis_server, monkeypatch, caplog, fault):
    configure(REDIS_URL=redis_server.url)
    key = ratelimit.redis_key(ratelimit.SIGN_IN, "203.0.113.9")
    shared = redis.Redis.from_url(redis_server.url)
    shared.delete(key)
    ratelimit.hit(ratelimit.SIGN_IN, "203.0.113.9")
    assert shared.zcard(key) == 1
    redis_server.stop() if fault == "stopped" else redis_server.pause()
    with caplog.at_level(logging.WARNING, logger="resonance.ratelimit"):
        _, seconds = _timed(lambda: ratelimit.hit(ratelimit.SIGN_IN, "203.0.113.9"))
    assert seconds < BOUNDED_S and "Redis unreachable" in caplog.text  # counted in memory, with a log line
    _, seconds = _timed(lambda: ratelimit.hit(ratelimit.SIGN_IN, "203.0.113.9"))
    assert seconds < BOUNDED_S
    redis_server.resume()
    if fault == "stopped":
        redis_server.start()  # a fresh server: the count it had is gone, as after a restart without persistence
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_SECONDS", 0.0)  # the next hit tries Redis again
    ratelimit.reset()
    before = shared.zcard(key)
    ratelimit.hit(ratelimit.SIGN_IN, "203.0.113.9")
    assert shared.zcard(key) == before + 1
    shared.close()


def test_jobs_queued_while_redis_is_down_are_sent_once_it_is_back(sqlite_db, configure, redis_server, caplog):
    queue_name = f"resonance-test-{secrets.token_hex(4)}"
    configure(REDIS_URL=redis_server.url, JOBS_BACKEND="celery", JOBS_QUEUE=queue_name, JOBS_SWEEP_SECONDS=1)
    engine = ToneEngine()
    admin = make_user()
    principal, _ = signed_in(admin, make_org(admin=admin))
    redis_server.stop()
    generation_id = queue(principal, engine)  # the request that queues it does not touch Redis
    dispatcher = CeleryDispatcher([jobs.GENERATION_JOBS])
    with caplog.at_level(logging.ERROR, logger="resonance.jobs"):
        dispatcher.start()
        try:
            wait_for(lambda: "step failed" in caplog.text, "a sweep to fail")
            assert all_rows(Generation)[0].status == "queued"  # nothing lost, nothing marked
            redis_server.start()
            wait_for(lambda: queued_tasks(redis_server.url, queue_name), "the job to be sent")
        finally:
            dispatcher.stop()
    assert queued_tasks(redis_server.url, queue_name) == [(RUN, ["generation", generation_id])]
