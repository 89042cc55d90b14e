"""How this process talks to Celery: the app's configuration, the task names, and the client that sends tasks.

Both sides use it: the web process's dispatcher (distributed.py) sends, the workers' app (celery_app.py) runs.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from resonance.core.config import Settings, get_settings

RUN, DRAIN, SWEEP = "resonance.jobs.run", "resonance.jobs.drain", "resonance.jobs.sweep"


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
                "task": SWEEP,
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
