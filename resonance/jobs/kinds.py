"""A job kind: how to recover, claim and run one kind of durable job whose state lives in its own table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    name: str
    recover: Callable[[], int]  # put jobs left 'running' by a stopped process back to 'queued'; returns how many
    claim_next: Callable[[], str | None]  # atomically mark one queued job running; its id, or None
    run: Callable[[str], None]  # do the claimed job; must mark it done or failed itself
    # True: up to the runner's concurrency of these run at once (their heavy work is shared fairly elsewhere, as
    # generations share the engine chunk by chunk); False: one at a time.
    concurrent: bool = False
    # Per-job hooks for workers on several machines (the Celery backend: resonance/jobs/distributed.py), which run a
    # job by id and must not reset jobs other workers are running. `rows.status_kind` fills them for a status column;
    # a kind without them is run there by draining `claim_next` (at least once, but no recovery of a lost worker).
    claim: Callable[[str], bool] | None = None  # mark this job running if it is queued or orphaned; False: leave it
    queued: Callable[[], list[str]] | None = None  # ids of queued jobs, oldest first
    running: Callable[[], list[str]] | None = None  # ids of jobs marked running
    requeue: Callable[[str], bool] | None = None  # put this running job back to queued (its worker is gone)

    @property
    def by_id(self) -> bool:
        return None not in (self.claim, self.queued, self.running, self.requeue)
