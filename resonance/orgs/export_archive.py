"""What an organization export holds: one zip with `manifest.json` (the organization, its custom voices, generations,
members and audit log, each file listed with its path in the archive) and the audio itself:

    manifest.json
    voices/<voice id>/sample.wav          the normalised recording every engine reads
    voices/<voice id>/original<.ext>      the upload as it came
    generations/<generation id>.wav       the finished speech

Read in the organization's tenant session, so nothing of another organization can reach the archive. The archive is
written into a file one stored file at a time, so an organization's audio never has to fit in memory at once.
"""

from __future__ import annotations

import json
import mimetypes
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from sqlmodel import col, select

from resonance.core.clock import as_utc, clock
from resonance.generations.models import Generation
from resonance.identity.models import User
from resonance.orgs.models import AuditEvent, Membership, Organization
from resonance.orgs.scope import tenant_session
from resonance.voices.models import Voice

FORMAT = "resonance-organization-export/1"
DELETED_USER = "a deleted user"
FORMER_MEMBER = "a former member"


def _when(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def _extension(content_type: str) -> str:
    return {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/mpeg": ".mp3"}.get(
        content_type, mimetypes.guess_extension(content_type) or ".bin")


def collect(org_id: str) -> tuple[dict, list[tuple[str, str]]]:
    """The manifest and the (storage key, archive path) of every file to copy into the archive."""
    files: list[tuple[str, str]] = []
    with tenant_session(org_id) as session:
        org = session.get(Organization, org_id)
        emails = dict(session.exec(select(User.id, User.email).join(Membership, Membership.user_id == User.id)).all())

        def who(user_id: str | None) -> str | None:
            # A deleted account left no id on its rows (identity/deletion: created_by is set to NULL).
            return emails.get(user_id, FORMER_MEMBER) if user_id else DELETED_USER

        voices = []
        for v in session.exec(select(Voice).where(Voice.org_id == org_id).order_by(col(Voice.created_at))):
            entry = {"id": v.id, "name": v.name, "description": v.description, "category": v.category,
                     "language": v.language, "duration_s": v.duration_s, "similarity": v.similarity,
                     "created_by": who(v.created_by), "created_at": _when(v.created_at), "files": {}}
            if v.object_key:
                entry["files"]["sample"] = f"voices/{v.id}/sample.wav"
                files.append((v.object_key, entry["files"]["sample"]))
            if v.original_key:
                entry["files"]["original"] = f"voices/{v.id}/original"  # extension added when copied
                files.append((v.original_key, entry["files"]["original"]))
            voices.append(entry)
        generations = []
        for g in session.exec(select(Generation).order_by(col(Generation.created_at))):
            entry = {"id": g.id, "text": g.text, "voice_id": g.voice_id, "voice_name": g.voice_name,
                     "status": g.status, "engine": g.engine, "speed": g.speed, "duration_s": g.duration_s,
                     "temperature": g.temperature, "top_p": g.top_p, "top_k": g.top_k,
                     "repetition_penalty": g.repetition_penalty, "created_by": who(g.created_by),
                     "created_at": _when(g.created_at), "file": None}
            if g.object_key and g.status == "done":
                entry["file"] = f"generations/{g.id}.wav"
                files.append((g.object_key, entry["file"]))
            generations.append(entry)
        members = [{"name": u.name, "email": u.email, "role": m.role, "joined_at": _when(m.created_at)}
                   for m, u in session.exec(select(Membership, User).join(User, User.id == Membership.user_id)
                                            .order_by(col(Membership.created_at)))]
        audit_log = [{"at": _when(e.created_at), "who": e.actor_email or "System", "action": e.action,
                      "detail": e.detail}
                     for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.created_at)))]
    manifest = {
        "format": FORMAT, "exported_at": _when(clock.now()),
        "organization": {"id": org.id, "name": org.name, "slug": org.slug, "created_at": _when(org.created_at)},
        "voices": voices, "generations": generations, "members": members, "audit_log": audit_log,
    }
    return manifest, files


def build(org_id: str, into: BinaryIO, *, progress: Callable[[float], None] = lambda _done: None) -> None:
    """Write the whole archive into the seekable file `into` (left at its end); `progress(fraction)` after each
    file. Raises if any listed file cannot be read: an archive that silently lacks audio would look complete."""
    from resonance.storage import get_storage

    manifest, files = collect(org_id)
    storage = get_storage()
    renamed: dict[str, str] = {}
    with zipfile.ZipFile(into, "w") as archive:
        for done, (key, path) in enumerate(files, start=1):
            final = path + _extension(storage.stat(key).content_type) if path.endswith("/original") else path
            renamed[path] = final
            # Audio is already compressed (or as good as: WAV of speech gains little), so it is stored as it is.
            archive.writestr(final, storage.get(key), compress_type=zipfile.ZIP_STORED)
            progress(done / (len(files) + 1))  # the last step, the manifest and storing it, counts as one file
        for voice in manifest["voices"]:
            if "original" in voice["files"]:
                voice["files"]["original"] = renamed[voice["files"]["original"]]
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False),
                         compress_type=zipfile.ZIP_DEFLATED)
