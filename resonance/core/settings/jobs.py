"""Settings of scale-out: Redis for shared page state, and the job backend (in process or Celery workers)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings


class JobsSettings(BaseSettings):
    """Redis and how background jobs run."""

    # Scale-out (docs/production.md): Redis shares Reflex page state between backend workers; Celery runs
    # background jobs on worker processes (on any number of machines) instead of a thread in each web process.
    REDIS_URL: str = ""  # redis://host:6379/0; set: Reflex keeps page state in Redis (several backend workers)
    JOBS_BACKEND: Literal["inprocess", "celery"] = "inprocess"
    CELERY_BROKER_URL: str = ""  # empty: REDIS_URL
    JOBS_QUEUE: str = "resonance"
    # Generations the in-process runner runs at once; their chunks share the engine round-robin (speech/scheduler.py)
    JOBS_CONCURRENCY: int = Field(16, ge=1)
    JOBS_LEASE_SECONDS: float = Field(60, ge=1)  # a job whose worker stopped renewing its lease this long runs again
    JOBS_SWEEP_SECONDS: float = Field(15, ge=0.5)  # how often queued-but-unsent and orphaned jobs are looked for
    JOBS_VISIBILITY_SECONDS: int = Field(7200, ge=60)  # broker redelivers an unacknowledged task after this long
    # At shutdown (SIGTERM) the in-process runner takes no new job and lets the running one finish this long, then
    # stops it and puts its row back in the queue. Keep it below the orchestrator's stop timeout (compose: 30 s).
    JOBS_SHUTDOWN_GRACE_SECONDS: float = Field(20, ge=0)

    @field_validator("REDIS_URL", "CELERY_BROKER_URL")
    @classmethod
    def _redis(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _check_jobs(self) -> Self:
        if self.JOBS_BACKEND == "celery" and not self.REDIS_URL:
            # Job leases live in Redis, and it is the default broker.
            raise ValueError("RESONANCE_JOBS_BACKEND=celery needs RESONANCE_REDIS_URL to be set")
        return self

    @property
    def celery_broker_url(self) -> str:
        return self.CELERY_BROKER_URL or self.REDIS_URL
