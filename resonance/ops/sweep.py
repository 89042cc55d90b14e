"""The storage sweeper: objects no row owns, and rows whose files are gone.

    python -m resonance.ops.sweep [--delete] [--grace-minutes 60]

Dry run by default: it only reports. With `--delete` it removes the orphaned objects and marks each finished
generation whose audio is gone `failed` ("The audio file is missing."), so its history row stays (with its usage
record) and says what happened instead of offering a download that fails. Voices whose sample is gone are reported
only: built-in and matched voices speak from their engine settings, and a person decides whether to record again.

Nothing younger than the grace period is touched or reported (objects by their last write, generations by when they
finished): an upload or a generation in progress writes its files before its row names them. Only the app's own
prefixes (`voices/`, `generations/`) are looked at. Who owns what:
- a voice: its sample (`object_key`), the upload as it came (`original_key`) and the engine sidecar beside the sample;
- a generation: the audio key its row names; while it is queued, running or done, also its own audio key and every
  chunk under `<audio key>.chunks/`. A failed or cancelled generation owns no chunks (a retry is a new row): those
  its job could not remove, storage being down when it failed, are orphans here.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from resonance.core.clock import as_utc, clock
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.orgs.scope import system_session
from resonance.speech.engine import sidecar_key
from resonance.storage import get_storage
from resonance.voices.models import Voice

log = logging.getLogger("resonance.ops")

PREFIXES = ("voices/", "generations/")
DEFAULT_GRACE = timedelta(hours=1)
MISSING_AUDIO = "The audio file is missing."
_CHUNKS = ".chunks"


@dataclass
class SweepReport:
    orphans: list[str] = field(default_factory=list)  # storage keys no row owns
    missing_audio: list[str] = field(default_factory=list)  # ids of finished generations whose audio is gone
    missing_samples: list[str] = field(default_factory=list)  # ids of voices whose sample is gone
    deleted: int = 0
    marked_failed: int = 0


def sweep(*, delete: bool = False, grace: timedelta = DEFAULT_GRACE) -> SweepReport:
    storage, report = get_storage(), SweepReport()
    cutoff = clock.now() - grace
    stored = {item.key: item for prefix in PREFIXES for item in storage.list_objects(prefix)}
    owned, chunk_owners = _owned()
    for key, item in sorted(stored.items()):
        if key in owned or _chunk_owner(key) in chunk_owners or as_utc(item.modified) > cutoff:
            continue
        report.orphans.append(key)
        if delete:
            storage.delete(key)
            report.deleted += 1
    with system_session() as session:
        for generation_id, key, finished in session.exec(
                select(Generation.id, Generation.object_key, Generation.finished_at)
                .where(Generation.status == rows.DONE)).all():
            if key and key not in stored and finished is not None and as_utc(finished) <= cutoff:
                report.missing_audio.append(generation_id)
        for voice_id, key, updated in session.exec(select(Voice.id, Voice.object_key, Voice.updated_at)).all():
            if key and key not in stored and as_utc(updated) <= cutoff:
                report.missing_samples.append(voice_id)
    if delete:
        report.marked_failed = _mark_missing(report.missing_audio)
    return report


def _owned() -> tuple[set[str], set[str]]:
    """(keys some row names or a generation in progress or done will write, chunk folders of those generations)."""
    owned: set[str] = set()
    chunks: set[str] = set()
    with system_session() as session:
        for sample, original in session.exec(select(Voice.object_key, Voice.original_key)).all():
            if sample:
                owned.update((sample, sidecar_key(sample)))
            if original:
                owned.add(original)
        for generation_id, org_id, key, status in session.exec(
                select(Generation.id, Generation.org_id, Generation.object_key, Generation.status)).all():
            if key:
                owned.add(key)
            if status not in (rows.FAILED, rows.CANCELLED):
                owned.add(files.audio_key(org_id, generation_id))
                chunks.add(files.chunk_prefix(org_id, generation_id))
    return owned, chunks


def _chunk_owner(key: str) -> str | None:
    """`generations/orgs/o/g.chunks/0001.wav` -> `generations/orgs/o/g.chunks/`."""
    head, _, _ = key.rpartition("/")
    return f"{head}/" if head.endswith(_CHUNKS) else None


def _mark_missing(generation_ids: list[str]) -> int:
    if not generation_ids:
        return 0
    with system_session() as session:
        # Only rows still done with no audio: one that was re-run or deleted meanwhile is left as it is.
        return session.exec(
            update(Generation).where(Generation.id.in_(generation_ids), Generation.status == rows.DONE)
            .values(status=rows.FAILED, error=MISSING_AUDIO, object_key=None, updated_at=clock.now())
        ).rowcount


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resonance.ops.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--delete", action="store_true", help="remove orphans and mark generations without audio "
                                                              "failed (default: report only)")
    parser.add_argument("--grace-minutes", type=float, default=DEFAULT_GRACE.total_seconds() / 60,
                        help="leave anything younger than this alone (default 60)")
    args = parser.parse_args(argv)
    if args.grace_minutes < 0:
        parser.error("--grace-minutes must be 0 or more")
    report = sweep(delete=args.delete, grace=timedelta(minutes=args.grace_minutes))
    for key in report.orphans:
        print(f"orphan object: {key}")
    for generation_id in report.missing_audio:
        print(f"generation without its audio: {generation_id}")
    for voice_id in report.missing_samples:
        print(f"voice without its sample: {voice_id}")
    verb = "removed" if args.delete else "would remove (run with --delete)"
    print(f"{len(report.orphans)} orphan object(s): {verb}; {len(report.missing_audio)} generation(s) without "
          f"audio" + (f" marked failed: {report.marked_failed}" if args.delete else "")
          + f"; {len(report.missing_samples)} voice(s) without their sample (reported only)")
    return 0


if __name__ == "__main__":
    import resonance.models  # noqa: F401  (every table registered before the first query)
    from resonance.core import logs

    logs.configure()
    raise SystemExit(main())
