"""The stored files of a deleted organization, removed by a durable job.

Deleting an organization (organizations.delete_org) writes an `OrgFilePurge` row in the same transaction as the
deletion: the storage prefixes under which the organization's files live (each domain keeps its organization's
objects under a prefix of its own). The job deletes those prefixes afterwards, outside any transaction, so a slow
or unreachable bucket never holds the deletion up. Because the row is written with the deletion and the job only
reads it, a stop at any moment loses nothing: the runner puts a purge left running back in the queue at its next
start (or the Celery sweep, once its lease is gone), and deleting a prefix twice is harmless. A purge that failed
(storage unreachable) is tried again at the next start of the runner.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col

from resonance.core.clock import clock
from resonance.core.ids import new_id, utcnow
from resonance.jobs import rows
from resonance.jobs.kinds import JobKind
from resonance.orgs.scope import system_session

log = logging.getLogger("resonance.orgs")


class OrgFilePurge(SQLModel, table=True):
    """Storage prefixes of a deleted organization, still to delete (or deleted: status `done`). No foreign key: the
    organization is gone when the job runs. Row-level security applies as on every table with an org_id."""

    __tablename__ = "org_file_purges"

    id: str = Field(default_factory=lambda: new_id("prg"), primary_key=True)
    org_id: str = Field(max_length=64, index=True)
    prefixes: str  # one storage prefix per line
    status: str = Field(default=rows.QUEUED, max_length=16, index=True)  # queued | running | done | failed
    attempts: int = 0
    deleted_objects: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None


def storage_prefixes(org_id: str) -> list[str]:
    """Every prefix under which the domains store an organization's objects."""
    from resonance.generations.files import org_prefix as generations_prefix
    from resonance.orgs.exports import org_prefix as exports_prefix
    from resonance.voices.keys import org_prefix as voices_prefix

    return [voices_prefix(org_id), generations_prefix(org_id), exports_prefix(org_id)]


def schedule(session: Session, org_id: str) -> OrgFilePurge:
    """Add the purge of `org_id`'s files to the caller's transaction (the one that deletes the organization)."""
    purge = OrgFilePurge(org_id=org_id, prefixes="\n".join(storage_prefixes(org_id)))
    session.add(purge)
    return purge


def run_purge(purge_id: str) -> None:
    """Delete the purge's prefixes from storage and mark it done; on a storage failure mark it failed."""
    from resonance.storage import get_storage

    with system_session() as session:
        purge = session.get(OrgFilePurge, purge_id)
        if purge is None:
            return
        org_id, prefixes = purge.org_id, purge.prefixes.split()
    try:
        storage = get_storage()
        removed = sum(storage.delete_prefix(prefix) for prefix in prefixes)
    except Exception as error:  # noqa: BLE001  (any storage failure: kept for the next start, never lost)
        log.warning("deleting the stored files of deleted organization %s failed (retried at the next start): %s",
                    org_id, error)
        _finish(purge_id, rows.FAILED, last_error=str(error)[:500])
        return
    _finish(purge_id, rows.DONE, deleted_objects=removed, last_error="")
    log.info("deleted %d stored objects of deleted organization %s", removed, org_id)


def _finish(purge_id: str, status: str, **values) -> None:
    with system_session() as session:
        session.exec(update(OrgFilePurge).where(col(OrgFilePurge.id) == purge_id).values(
            status=status, attempts=OrgFilePurge.attempts + 1, finished_at=clock.now(), **values))


def _recover() -> int:
    """At the runner's start: purges left running by a stopped process, and failed ones, are queued again."""
    with system_session() as session:
        return session.exec(update(OrgFilePurge).where(col(OrgFilePurge.status).in_([rows.RUNNING, rows.FAILED]))
                            .values(status=rows.QUEUED)).rowcount


ORG_FILE_PURGES: JobKind = replace(rows.status_kind("organization files", OrgFilePurge, "status", run_purge),
                                   recover=_recover)
