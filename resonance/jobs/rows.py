"""Claiming and recovering jobs whose state is a status column on a domain table (generations, voices)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from resonance.orgs.scope import system_session

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


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
