"""Claiming and recovering jobs whose state is a status column on a domain table (generations, voices)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlmodel import col, select

from resonance.jobs.kinds import JobKind
from resonance.orgs.scope import system_session

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
CANCELLED = "cancelled"  # stopped on request: no hook here claims, recovers or requeues it


def claim_next(model, status_field: str) -> str | None:
    """Mark the oldest queued row running and return its id; the conditional UPDATE makes two claimers safe."""
    status = getattr(model, status_field)
    with system_session() as session:
        for job_id in session.exec(
            select(model.id).where(status == QUEUED).order_by(col(model.created_at)).limit(5)
        ).all():
            claimed = session.exec(
                update(model).where(model.id == job_id, status == QUEUED).values({status_field: RUNNING})
            ).rowcount
            if claimed:
                return job_id
    return None


def recover(model, status_field: str) -> int:
    """Jobs still 'running' when the process stopped start over."""
    status = getattr(model, status_field)
    with system_session() as session:
        return session.exec(update(model).where(status == RUNNING).values({status_field: QUEUED})).rowcount


def claim(model, status_field: str, job_id: str) -> bool:
    """Mark this row running. A running row is taken over too: the caller holds the job's lease, so whoever marked it
    running has stopped. Done, failed and deleted rows are left alone (a redelivered task does nothing)."""
    status = getattr(model, status_field)
    with system_session() as session:
        return bool(session.exec(
            update(model).where(model.id == job_id, status.in_([QUEUED, RUNNING])).values({status_field: RUNNING})
        ).rowcount)


def requeue(model, status_field: str, job_id: str) -> bool:
    """Put one running row back to queued (its worker is gone)."""
    status = getattr(model, status_field)
    with system_session() as session:
        return bool(session.exec(
            update(model).where(model.id == job_id, status == RUNNING).values({status_field: QUEUED})
        ).rowcount)


def with_status(model, status_field: str, value: str, limit: int = 500) -> list[str]:
    """Ids of rows in this state, oldest first."""
    status = getattr(model, status_field)
    with system_session() as session:
        return list(session.exec(
            select(model.id).where(status == value).order_by(col(model.created_at)).limit(limit)
        ).all())


def status_kind(name: str, model, status_field: str, run: Callable[[str], None], *,
                concurrent: bool = False) -> JobKind:
    """A job kind whose state is `status_field` on `model` (queued → running → done | failed), with every hook."""
    return JobKind(
        name=name,
        recover=lambda: recover(model, status_field),
        claim_next=lambda: claim_next(model, status_field),
        run=run,
        concurrent=concurrent,
        claim=lambda job_id: claim(model, status_field, job_id),
        queued=lambda: with_status(model, status_field, QUEUED),
        running=lambda: with_status(model, status_field, RUNNING),
        requeue=lambda job_id: requeue(model, status_field, job_id),
    )
