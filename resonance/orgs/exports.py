"""Exporting an organization: an Admin asks, a durable job writes one zip archive (export_archive.py), the Admin
downloads it from `GET /api/exports/{id}` until it expires, and then it is removed.

The row is the job's state (queued → running → done | failed, with progress) and says where the archive lies. The
archive is written into a temporary file (in DATA_DIR/tmp: the system's /tmp is often held in memory), which has no
name and so goes with the job whatever happens, and is stored from it in one `put_file` once it is complete, so a
failed or interrupted export leaves nothing half-written behind (and a rerun after a stop starts over and
overwrites the same key). The download link carries no
secret: the session cookie and a fresh membership check authorize each download, so a link that leaks (a log line,
a shared screen) opens nothing for anyone else.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, select

from resonance.core import text_input
from resonance.core.clock import as_utc, clock
from resonance.core.config import get_settings
from resonance.core.errors import NotFound
from resonance.core.failures import report
from resonance.core.ids import new_id, utcnow
from resonance.jobs import rows
from resonance.jobs.kinds import JobKind
from resonance.orgs import audit
from resonance.orgs.principal import Principal, require_admin
from resonance.orgs.scope import OrgOwned, system_session

log = logging.getLogger("resonance.orgs")

KEEP_FOR = timedelta(days=7)
EXPIRED = "expired"  # the archive was removed; the row stays as a record of the export
FAILED = "Export failed."
ACTIVE = (rows.QUEUED, rows.RUNNING)


class OrgExport(SQLModel, OrgOwned, table=True):
    """One export of an organization, asked for by an Admin."""

    __tablename__ = "org_exports"

    id: str = Field(default_factory=lambda: new_id("exp"), primary_key=True)
    org_id: str = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    requested_by: str | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: str = Field(default=rows.QUEUED, max_length=16, index=True)  # queued | running | done | failed | expired
    progress: float = 0.0  # 0..1, files written / files
    object_key: str | None = None  # set once the whole archive is stored
    size_bytes: int = 0
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, index=True)


def org_prefix(org_id: str) -> str:
    """Every archive of the organization lies under this prefix (deleted with the organization: purge.py)."""
    return f"exports/orgs/{org_id}/"


def archive_key(org_id: str, export_id: str) -> str:
    return f"{org_prefix(org_id)}{export_id}.zip"


def start(*, session: Session, actor: Principal) -> OrgExport:
    """Queue an export of the actor's organization (Admins only; tenant session). One at a time: while one is
    queued or running, that one is returned."""
    require_admin(actor)
    running = session.exec(select(OrgExport).where(col(OrgExport.status).in_(ACTIVE))).first()
    if running is not None:
        return running
    export = OrgExport(org_id=actor.org_id, requested_by=actor.user_id)
    session.add(export)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="organization.exported")
    return export


def latest(*, session: Session, actor: Principal) -> OrgExport | None:
    """The organization's newest export, whatever its state (Admins only; tenant session)."""
    require_admin(actor)
    return session.exec(select(OrgExport).order_by(col(OrgExport.created_at).desc())).first()


def downloadable(*, session: Session, actor: Principal, export_id: str) -> OrgExport:
    """The finished, unexpired export to serve (tenant session: another organization's id is not found; Admins
    only)."""
    export = session.get(OrgExport, export_id) if text_input.is_line(export_id) else None
    if export is None:
        raise NotFound("Export not found.")
    require_admin(actor)
    if export.status != rows.DONE or export.object_key is None or is_expired(export):
        raise NotFound("This export has expired. Export the organization again.")
    return export


def is_expired(export: OrgExport) -> bool:
    return export.expires_at is not None and as_utc(export.expires_at) <= clock.now()


def download_name(org_slug: str, export: OrgExport) -> str:
    return f"resonance-{org_slug}-{as_utc(export.created_at):%Y-%m-%d}.zip"


# The job


def run_export(export_id: str) -> None:
    """Build the archive in a temporary file, store it in one piece, mark the row done; on any failure mark it
    failed and store nothing."""
    from resonance.orgs.export_archive import build
    from resonance.storage import get_storage

    with system_session() as session:
        export = session.get(OrgExport, export_id)
        if export is None or export.status not in ACTIVE:
            return
        org_id = export.org_id
        session.exec(update(OrgExport).where(col(OrgExport.id) == export_id).values(
            status=rows.RUNNING, progress=0.0, error=""))
    key = archive_key(org_id, export_id)
    storage = get_storage()
    work = get_settings().DATA_DIR / "tmp"
    try:
        work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=work, prefix="export-") as file:
            build(org_id, file, progress=lambda done: _progress(export_id, done))
            size = file.tell()
            storage.put_file(key, file, "application/zip")
        if not _finish(export_id, key=key, size=size):
            raise Stopped()
    except Stopped:  # the organization (or the row) was deleted meanwhile: nothing of the export may stay
        storage.delete(key)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row for the Admin to see
        _fail(export_id, report(log, error, FAILED, "export %s failed", export_id))
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001
            log.exception("could not remove the archive of failed export %s", export_id)


class Stopped(Exception):
    """The export's row (or its organization) was deleted while the job ran."""


def _progress(export_id: str, done: float) -> None:
    with system_session() as session:
        changed = session.exec(update(OrgExport).where(col(OrgExport.id) == export_id,
                                                       OrgExport.status == rows.RUNNING)
                               .values(progress=min(1.0, max(0.0, done)))).rowcount
    if not changed:
        raise Stopped()


def _finish(export_id: str, *, key: str, size: int) -> bool:
    now = clock.now()
    with system_session() as session:
        return bool(session.exec(update(OrgExport).where(col(OrgExport.id) == export_id,
                                                         OrgExport.status == rows.RUNNING).values(
            status=rows.DONE, progress=1.0, object_key=key, size_bytes=size, finished_at=now,
            expires_at=now + KEEP_FOR)).rowcount)


def _fail(export_id: str, message: str) -> None:
    with system_session() as session:
        session.exec(update(OrgExport).where(col(OrgExport.id) == export_id).values(
            status=rows.FAILED, error=message[:500], object_key=None, finished_at=clock.now()))


# Expiry: the loop that looks for work also removes expired archives, at most once a minute per process.

EXPIRY_CHECK_SECONDS = 60.0
_last_expiry_check = [float("-inf")]


def remove_expired(limit: int = 20) -> int:
    """Delete the stored archives past their expiry and mark their rows expired; returns how many. The object goes
    first: a storage failure leaves the row for the next round, never a row that points at nothing."""
    from resonance.storage import get_storage

    with system_session() as session:
        due = session.exec(select(OrgExport.id, OrgExport.object_key).where(
            OrgExport.status == rows.DONE, col(OrgExport.expires_at) <= clock.now()).limit(limit)).all()
    for export_id, key in due:
        if key:
            get_storage().delete(key)
        with system_session() as session:
            session.exec(update(OrgExport).where(col(OrgExport.id) == export_id).values(
                status=EXPIRED, object_key=None))
    return len(due)


def _expire_now_and_then() -> None:
    now = time.monotonic()
    if now - _last_expiry_check[0] < EXPIRY_CHECK_SECONDS:
        return
    _last_expiry_check[0] = now
    try:
        remove_expired()
    except Exception:  # noqa: BLE001 - storage away: the next round tries again
        log.exception("removing expired exports failed")


def _claim_next() -> str | None:
    _expire_now_and_then()
    return rows.claim_next(OrgExport, "status")


def _queued() -> list[str]:
    _expire_now_and_then()  # the Celery sweep's round
    return rows.with_status(OrgExport, "status", rows.QUEUED)


ORG_EXPORTS: JobKind = replace(rows.status_kind("organization export", OrgExport, "status", run_export),
                               claim_next=_claim_next, queued=_queued)
