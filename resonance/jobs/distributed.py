"""Jobs on Celery workers (RESONANCE_JOBS_BACKEND=celery): what a worker does with a task, and the sweep that makes
sending reliable.

Delivery is at least once (late acknowledgement, redelivery when a worker dies); running is exactly once per
outcome, because every task for a job first takes the job's lease in Redis and then claims its row:
- the web process commits the row as 'queued', then wakes its dispatcher, which sends a task per queued job;
- a worker takes the lease (another worker holding it: the task is dropped) and claims the row (queued, or running
  with no lease left, → running; done, failed or deleted: the task does nothing) and runs it, renewing the lease;
- the sweep, run by every web process's dispatcher and by the workers' beat every JOBS_SWEEP_SECONDS, sends queued
  jobs that were never sent (the web process died between commit and send, or Redis was briefly away) and queues
  again jobs marked running whose lease is gone (their worker was killed), so they do not wait for the broker's
  visibility timeout. A task redelivered later finds the job done and does nothing.
A job's outputs are keyed by the job (one audio object per generation, overwritten by a rerun), and its usage
record is written once per generation, so a rerun after a crash leaves one of each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from resonance.core.config import get_settings
from resonance.jobs import leases
from resonance.jobs.celery_client import DRAIN, RUN, client
from resonance.jobs.kinds import JobKind
from resonance.jobs.loop import BackgroundLoop

log = logging.getLogger("resonance.jobs")


Send = Callable[[str, list], None]  # (task name, args)


def run_job(kinds: list[JobKind], kind_name: str, job_id: str) -> str:
    """One delivered task: run the job unless it is done or another worker has it. Returns what happened."""
    kind = _find(kinds, kind_name)
    leases.forget_sent(kind.name, job_id)
    with leases.hold(kind.name, job_id) as mine:
        if not mine:
            return "busy"  # a live worker is on it; if that one dies, the sweep queues the job again
        if not kind.claim(job_id):
            return "skipped"  # done, failed or deleted: a redelivery or a duplicate send
        kind.run(job_id)
        return "ran"


def drain(kinds: list[JobKind], kind_name: str) -> int:
    """Run queued jobs of a kind without per-job hooks until none is left."""
    kind, count = _find(kinds, kind_name), 0
    while (job_id := kind.claim_next()) is not None:
        kind.run(job_id)
        count += 1
    return count


def sweep(kinds: list[JobKind], send: Send) -> dict[str, int]:
    """Queue again the running jobs whose worker is gone, and send every queued job not sent lately."""
    settings = get_settings()
    resend_after = max(60.0, 20 * settings.JOBS_SWEEP_SECONDS)  # a message lost by the broker is sent again
    counts = {"requeued": 0, "sent": 0}
    for kind in kinds:
        if not kind.by_id:
            if leases.mark_sent(kind.name, "*", settings.JOBS_SWEEP_SECONDS):
                _send(send, DRAIN, kind.name, "*", [kind.name])
            continue
        for job_id in kind.running():
            if not leases.held(kind.name, job_id) and kind.requeue(job_id):
                log.warning("%s job %s lost its worker; queued again", kind.name, job_id)
                counts["requeued"] += 1
        for job_id in kind.queued():
            if leases.mark_sent(kind.name, job_id, resend_after):
                _send(send, RUN, kind.name, job_id, [kind.name, job_id])
                counts["sent"] += 1
    return counts


def _send(send: Send, task: str, kind: str, job_id: str, args: list) -> None:
    try:
        send(task, args)
    except Exception:
        leases.forget_sent(kind, job_id)  # the next sweep tries again
        raise


def _find(kinds: list[JobKind], name: str) -> JobKind:
    for kind in kinds:
        if kind.name == name:
            return kind
    raise LookupError(f"unknown job kind {name!r}")


class CeleryDispatcher(BackgroundLoop):
    """The web process's side: the same start/stop/notify/run_pending as the in-process Runner, but instead of
    running jobs it sends them to the Celery workers (a thread sweeps on every notify and every sweep interval)."""

    def __init__(self, kinds: list[JobKind]) -> None:
        super().__init__("resonance-job-dispatch", step=self._sweep,
                         interval=lambda: get_settings().JOBS_SWEEP_SECONDS)
        self.kinds = kinds

    def send(self, task: str, args: list) -> None:
        client().send_task(task, args=args, queue=get_settings().JOBS_QUEUE)

    def run_pending(self) -> int:
        """Send what is waiting, once (one-off commands); returns how many jobs were sent."""
        return sweep(self.kinds, self.send)["sent"]

    def _sweep(self) -> bool:
        sweep(self.kinds, self.send)
        return False  # sent everything waiting; the next round is at the interval or the next notify()
