"""The Celery app: `celery -A resonance.jobs.celery_app worker` (or `python -m resonance.jobs.worker`).

Tasks carry only (kind, job id); the job's state is its database row. Late acknowledgement with redelivery when a
worker process dies, one task at a time per worker process (a generation uses every core it is given), and a
visibility timeout longer than the longest job (Redis redelivers an unacknowledged task after it).
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery, signals

from resonance.core import error_tracking, logs
from resonance.core.config import Settings, get_settings
from resonance.jobs import distributed

logs.configure()  # worker processes log as the app does: JSON in production, no secret in any line
error_tracking.start()  # Sentry, when RESONANCE_SENTRY_DSN is set


@signals.setup_logging.connect
def _keep_our_logging(**_kwargs) -> None:
    """Connected, so Celery leaves the root logger to `logs.configure` instead of installing its own handlers."""


def make_app(settings: Settings) -> Celery:
    if not settings.celery_broker_url:
        from resonance.core.errors import ConfigError

        raise ConfigError("Celery workers need RESONANCE_REDIS_URL (or RESONANCE_CELERY_BROKER_URL) to be set")
    app = Celery("resonance", broker=settings.celery_broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.JOBS_QUEUE,
        task_acks_late=True,  # acknowledged when the job ends, so a worker killed mid-job leaves it to redeliver
        task_reject_on_worker_lost=True,  # a pool process that died: requeue its task at once
        worker_prefetch_multiplier=1,  # no worker hoards tasks another idle worker could run
        broker_transport_options={"visibility_timeout": settings.JOBS_VISIBILITY_SECONDS},
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,  # results live on the rows
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=True,
        beat_schedule={
            "resonance-sweep": {
                "task": distributed.SWEEP,
                "schedule": settings.JOBS_SWEEP_SECONDS,
                "options": {"queue": settings.JOBS_QUEUE, "expires": settings.JOBS_SWEEP_SECONDS},
            },
        },
    )
    return app


@lru_cache
def _client(broker: str, queue: str, visibility: int) -> Celery:
    return make_app(get_settings())


def client() -> Celery:
    """An app for sending tasks from the web process (one per broker configuration)."""
    s = get_settings()
    return _client(s.celery_broker_url, s.JOBS_QUEUE, s.JOBS_VISIBILITY_SECONDS)


app = make_app(get_settings())


def _kinds():
    from resonance.jobs.default import job_kinds

    return job_kinds()


@app.task(name=distributed.RUN)
def run(kind: str, job_id: str) -> str:
    return distributed.run_job(_kinds(), kind, job_id)


@app.task(name=distributed.DRAIN)
def drain(kind: str) -> int:
    return distributed.drain(_kinds(), kind)


@app.task(name=distributed.SWEEP)
def sweep() -> dict:
    queue = get_settings().JOBS_QUEUE
    return distributed.sweep(_kinds(), lambda task, args: app.send_task(task, args=args, queue=queue))


@signals.worker_ready.connect
def _sweep_at_start(sender=None, **_) -> None:
    # Through the queue, so the database is only touched in the pool's processes, never in the forking parent.
    app.send_task(distributed.SWEEP, queue=get_settings().JOBS_QUEUE)


@signals.worker_process_init.connect
def _fresh_connections(**_) -> None:
    # A forked pool process must not share the parent's database connections.
    from resonance.core.db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)
