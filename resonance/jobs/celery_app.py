"""The Celery app: `celery -A resonance.jobs.celery_app worker` (or `python -m resonance.jobs.worker`).

Tasks carry only (kind, job id); the job's state is its database row. Late acknowledgement with redelivery when a
worker process dies, one task at a time per worker process (a generation uses every core it is given), and a
visibility timeout longer than the longest job (Redis redelivers an unacknowledged task after it).
"""

from __future__ import annotations

from celery import signals

from resonance.core import error_tracking, logs
from resonance.core.config import get_settings
from resonance.jobs import distributed
from resonance.jobs.celery_client import DRAIN, RUN, SWEEP, make_app

logs.configure()  # worker processes log as the app does: JSON in production, no secret in any line
error_tracking.start()  # Sentry, when RESONANCE_SENTRY_DSN is set


@signals.setup_logging.connect
def _keep_our_logging(**_kwargs) -> None:
    """Connected, so Celery leaves the root logger to `logs.configure` instead of installing its own handlers."""


app = make_app(get_settings())


def _kinds():
    from resonance.jobs.default import job_kinds

    return job_kinds()


@app.task(name=RUN)
def run(kind: str, job_id: str) -> str:
    return distributed.run_job(_kinds(), kind, job_id)


@app.task(name=DRAIN)
def drain(kind: str) -> int:
    return distributed.drain(_kinds(), kind)


@app.task(name=SWEEP)
def sweep() -> dict:
    queue = get_settings().JOBS_QUEUE
    return distributed.sweep(_kinds(), lambda task, args: app.send_task(task, args=args, queue=queue))


@signals.worker_ready.connect
def _sweep_at_start(sender=None, **_) -> None:
    # Through the queue, so the database is only touched in the pool's processes, never in the forking parent.
    app.send_task(SWEEP, queue=get_settings().JOBS_QUEUE)


@signals.worker_process_init.connect
def _warm_engine(**_) -> None:
    # Each pool process loads its own model: now, in the background, rather than when its first generation waits.
    import threading

    from resonance.voices.warmup import warm_engine

    threading.Thread(target=warm_engine, name="engine-warmup", daemon=True).start()


@signals.worker_process_init.connect
def _fresh_connections(**_) -> None:
    # A forked pool process must not share the parent's database connections.
    from resonance.core.db import dispose_engines

    dispose_engines(close=False)
