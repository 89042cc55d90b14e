"""Jobs on Celery, without a worker: what the sweep sends to the real Redis broker, when a running job is queued
again, and what a delivered task does with a job that is done, taken or new (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from resonance.core.errors import ConfigError
from resonance.generations import jobs
from resonance.generations.models import Generation
from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs import distributed, leases, rows
from resonance.jobs.default import default_runner, job_kinds
from resonance.jobs.distributed import RUN, CeleryDispatcher
from resonance.jobs.kinds import JobKind
from resonance.jobs.runner import Runner
from resonance.orgs.scope import system_session, tenant_session
from tests.factories import get, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import DEFAULTS, ready_voice
from tests.jobs.conftest import queued_tasks


@pytest.fixture
def principal(db):
    admin = make_user(name="Ada Admin")
    return signed_in(admin, make_org(admin=admin, name="Acme"))[0]


@pytest.fixture
def engine(monkeypatch) -> ToneEngine:
    tone = ToneEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: tone)
    return tone


def queue(principal, text: str = "One sentence here. And another one after it.") -> str:
    with tenant_session(principal.org_id) as session:
        return create_generation(session=session, actor=principal, capabilities=ToneEngine().capabilities,
                                 request=GenerationRequest(text, ready_voice().id, DEFAULTS)).id


def set_status(generation_id: str, status: str) -> None:
    with system_session() as session:
        row = session.get(Generation, generation_id)
        row.status = status
        session.add(row)


def test_the_sweep_sends_each_queued_job_once(celery_jobs, principal, redis_url):
    first, second = queue(principal), queue(principal)
    dispatcher = CeleryDispatcher(job_kinds())
    assert dispatcher.run_pending() == 2
    assert dispatcher.run_pending() == 0  # already sent: not again on the next sweep
    assert queued_tasks(redis_url, celery_jobs.JOBS_QUEUE) == [(RUN, ["generation", first]),
                                                               (RUN, ["generation", second])]


def test_a_running_job_without_a_lease_is_queued_and_sent_again_one_with_a_lease_is_left(celery_jobs, principal,
                                                                                        redis_url):
    orphan, alive = queue(principal), queue(principal)
    set_status(orphan, "running")
    set_status(alive, "running")
    with leases.hold("generation", alive) as mine:
        assert mine
        counts = CeleryDispatcher(job_kinds()).run_pending()
    assert counts == 1
    assert get(Generation, orphan).status == "queued" and get(Generation, alive).status == "running"
    assert queued_tasks(redis_url, celery_jobs.JOBS_QUEUE) == [(RUN, ["generation", orphan])]


def test_a_task_runs_its_job_once_and_a_redelivered_task_does_nothing(celery_jobs, principal, engine):
    generation_id = queue(principal)
    assert distributed.run_job(job_kinds(), "generation", generation_id) == "ran"
    done = get(Generation, generation_id)
    assert done.status == "done" and len(engine.calls) == 1
    assert distributed.run_job(job_kinds(), "generation", generation_id) == "skipped"
    again = get(Generation, generation_id)
    assert len(engine.calls) == 1 and again.finished_at == done.finished_at and again.object_key == done.object_key


def test_a_task_for_a_job_another_worker_holds_leaves_it_to_that_worker(celery_jobs, principal, engine):
    generation_id = queue(principal)
    with leases.hold("generation", generation_id) as mine:
        assert mine
        assert distributed.run_job(job_kinds(), "generation", generation_id) == "busy"
    assert engine.calls == [] and get(Generation, generation_id).status == "queued"
    # The lease went with its holder: the next delivery runs the job.
    assert distributed.run_job(job_kinds(), "generation", generation_id) == "ran"


def test_a_job_whose_worker_died_is_taken_over_by_the_next_delivery(celery_jobs, principal, engine):
    generation_id = queue(principal)
    set_status(generation_id, "running")  # claimed by a worker that was then killed: no lease is left
    assert distributed.run_job(job_kinds(), "generation", generation_id) == "ran"
    assert get(Generation, generation_id).status == "done"


def test_the_lease_is_renewed_while_the_job_runs(celery_jobs, configure):
    import time

    configure(JOBS_LEASE_SECONDS=6)  # renewed every 2 s: a busy machine may stall the renewing thread past 2 s
    key = leases._key("lease", "generation", "gen_slow")
    with leases.hold("generation", "gen_slow") as mine:
        assert mine
        # Renewed: its time to live goes back up while the block runs (a deadline only; renewal comes each third)
        first, renewed = leases.client().pttl(key), False
        deadline = time.monotonic() + 60
        while not renewed and time.monotonic() < deadline:
            left = leases.client().pttl(key)
            renewed, first = left > first, min(first, left)
            time.sleep(0.05)
        assert renewed and leases.held("generation", "gen_slow")
    assert not leases.held("generation", "gen_slow")


def test_a_kind_without_per_job_hooks_is_drained(celery_jobs, principal, engine, redis_url):
    """Kinds declared with the four original fields still run on Celery: one drain task per sweep interval."""
    plain = JobKind(name="plain generation", recover=lambda: rows.recover(Generation, "status"),
                    claim_next=lambda: rows.claim_next(Generation, "status"), run=jobs.run_generation)
    first, second = queue(principal), queue(principal)
    sent = []
    distributed.sweep([plain], lambda task, args: sent.append((task, args)))
    distributed.sweep([plain], lambda task, args: sent.append((task, args)))
    assert sent == [(distributed.DRAIN, ["plain generation"])]
    assert distributed.drain([plain], "plain generation") == 2
    assert get(Generation, first).status == get(Generation, second).status == "done"


def test_the_backend_is_chosen_by_configuration(sqlite_db, configure, redis_url):
    default_runner.cache_clear()
    try:
        assert isinstance(default_runner(), Runner)
        default_runner.cache_clear()
        configure(JOBS_BACKEND="celery", REDIS_URL=redis_url)
        assert isinstance(default_runner(), CeleryDispatcher)
    finally:
        default_runner.cache_clear()


def test_celery_without_redis_is_refused_at_start_naming_the_variable(configure):
    with pytest.raises(ConfigError, match="RESONANCE_REDIS_URL"):
        configure(JOBS_BACKEND="celery", REDIS_URL="")
    with pytest.raises(ConfigError, match="RESONANCE_REDIS_URL"):
        configure(REDIS_URL="http://127.0.0.1:6379")


def test_the_celery_app_acknowledges_late_and_redelivers(celery_jobs):
    from resonance.jobs.celery_client import make_app

    conf = make_app(celery_jobs).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == celery_jobs.JOBS_VISIBILITY_SECONDS >= 3600
    assert conf.task_default_queue == celery_jobs.JOBS_QUEUE
