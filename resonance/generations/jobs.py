"""The generation job: speak the text chunk by chunk, store each chunk as it finishes (so playback can start), then
the whole audio; mark the row done or failed. Idempotent: a job that restarts overwrites the same keys. Each chunk
is also handed to listeners in this process as it is made (`feed`), before it is stored.

Several run at once (the runner's JOBS_CONCURRENCY, or a Celery worker's threads): their chunks take turns on the
engine through the process's chunk scheduler, round-robin over organizations, then over their generations."""

from __future__ import annotations

import logging
from contextlib import closing

from sqlalchemy import update
from sqlmodel import col, select

from resonance.billing.service import count_characters, record_usage
from resonance.core.clock import clock
from resonance.core.db import retrying, unavailable
from resonance.core.errors import NotFound
from resonance.core.failures import report
from resonance.generations import feed, files
from resonance.generations.models import Generation
from resonance.jobs import interrupt, rows
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import SpeechParams
from resonance.speech.registry import get_engine
from resonance.speech.scheduler import Withdrawn, stream
from resonance.storage import get_storage
from resonance.voices.models import Voice
from resonance.voices.voicespec import engine_voice_for

log = logging.getLogger("resonance.generations")

FAILED = "Speech generation failed."


def run_generation(generation_id: str) -> None:
    started = retrying(lambda: _start(generation_id), "generation start")
    if started is None:
        return
    generation, voice = started
    storage = get_storage()
    live, finished = feed.open_feed(generation_id), False
    try:
        if voice is None:
            raise NotFound("Voice not found")
        engine = get_engine()
        params = SpeechParams(temperature=generation.temperature, top_p=generation.top_p, top_k=generation.top_k,
                              repetition_penalty=generation.repetition_penalty, speed=generation.speed)
        parts, rate = [], 24000
        chunks = stream(engine, generation.text, engine_voice_for(voice), params, org=generation.org_id,
                        job=generation.id, alive=lambda: retrying(lambda: _running(generation_id), "generation"))
        with closing(chunks):  # leaving early (stopped, failed, interrupted) gives up the job's turns at once
            for chunk in chunks:
                interrupt.check()  # the process is stopping: nothing of this chunk is written
                rate = chunk.sample_rate
                feed.put(live, chunk.samples, rate)
                storage.put(files.chunk_key(generation, chunk.index), audio.to_wav(chunk.samples, rate), "audio/wav")
                parts.append(chunk.samples)
                done = chunk.index + 1
                if not retrying(lambda: _progress(generation_id, done=done), "generation progress"):
                    raise Stopped()
        interrupt.check()
        whole = audio.concat(parts, rate)
        key = files.audio_key(generation.org_id, generation.id)
        storage.put(key, audio.to_wav(whole, rate), "audio/wav")
        if not retrying(lambda: _finish(generation_id, key=key, duration=len(whole) / rate), "generation finish"):
            storage.delete(key)
            raise Stopped()
        finished = True
    except interrupt.Interrupted:
        # Shutdown: the runner puts the row back in the queue; the rerun starts from the first chunk again.
        storage.delete_prefix(files.chunk_prefix(generation.org_id, generation.id))
        raise
    except (Stopped, Withdrawn):
        # Deleted from history or cancelled while being spoken: nothing of it may stay behind.
        storage.delete_prefix(files.chunk_prefix(generation.org_id, generation.id))
    except Exception as error:
        if unavailable(error):
            # The database stayed away longer than `retrying` waits: the row cannot be written, and the job is not
            # at fault. Its runner gives it back to the queue (or, on Celery, the sweep does once the lease lapses).
            storage.delete_prefix(files.chunk_prefix(generation.org_id, generation.id))
            raise
        # Every other failure is recorded on the row for the person to see.
        # The row (the page, the history, the API's answer) gets a stable message and a reference; the exception,
        # with its storage keys and service URLs, goes to the log under that reference.
        message = report(log, error, FAILED, "generation %s failed", generation_id)
        retrying(lambda: _fail(generation_id, message), "generation failure")
        try:  # the whole audio too: the failure may come after it was stored (a database error marking it done)
            storage.delete(files.audio_key(generation.org_id, generation.id))
            storage.delete_prefix(files.chunk_prefix(generation.org_id, generation.id))
        except Exception:  # noqa: BLE001
            log.exception("could not clean chunks of %s", generation_id)
    finally:
        feed.close(live, finished=finished)


def _start(generation_id: str) -> tuple[Generation, Voice | None] | None:
    """Mark the row running from its first chunk; (generation, voice), or None when there is nothing to do."""
    with system_session() as session:
        generation = session.get(Generation, generation_id)
        if generation is None or generation.status not in (rows.RUNNING, rows.QUEUED):
            return None
        voice = session.get(Voice, generation.voice_id) if generation.voice_id else None
        generation.status, generation.started_at, generation.chunks_done, generation.progress = rows.RUNNING, clock.now(), 0, 0.0
        generation.error = ""
        session.add(generation)
    return generation, voice


class Stopped(Exception):
    """The generation's row was deleted or cancelled while the job ran."""


def _running(generation_id: str) -> bool:
    """Whether the row still wants its next chunk (asked before each chunk starts: a cancelled or deleted generation
    gives its turn to the others without spending a chunk)."""
    with system_session() as session:
        generation = session.get(Generation, generation_id)
        return generation is not None and generation.status == rows.RUNNING


def _progress(generation_id: str, *, done: int) -> bool:
    with system_session() as session:
        generation = session.get(Generation, generation_id)
        if generation is None or generation.status != rows.RUNNING:
            return False
        generation.chunks_done = done
        generation.chunks_total = max(generation.chunks_total, done)
        generation.progress = min(1.0, done / max(1, generation.chunks_total))
        session.add(generation)
    return True


def _finish(generation_id: str, *, key: str, duration: float) -> bool:
    """Mark the row done with its audio and bill it, if it is still running; False if it was deleted or cancelled
    meanwhile (the caller then takes the audio back). One conditional UPDATE decides: a deletion or cancel committed
    before it leaves no running row; one that comes after waits for this transaction (the row's lock on PostgreSQL,
    the write lock on SQLite) and finds the row done. A read then a write would let a deletion commit between them
    on SQLite, and the audio already stored would stay behind."""
    now = clock.now()
    with system_session() as session:
        done = session.exec(
            update(Generation).where(col(Generation.id) == generation_id, col(Generation.status) == rows.RUNNING)
            .values(object_key=key, duration_s=round(duration, 2), status=rows.DONE, progress=1.0, finished_at=now,
                    updated_at=now)).rowcount
        if not done:
            # Done already by a try whose commit landed as the connection dropped (`retrying`): done once, billed
            # once. Anything else (deleted, cancelled) is not this job's to finish.
            current = session.exec(select(Generation.status, Generation.object_key)
                                   .where(col(Generation.id) == generation_id)).first()
            return current is not None and tuple(current) == (rows.DONE, key)
            return False
        org_id, text = session.exec(select(Generation.org_id, Generation.text)
                                    .where(col(Generation.id) == generation_id)).one()
        # Billed with the result, in the same transaction: no result without its record, no record without result.
        record_usage(session, org_id=org_id, kind="tts_generation", characters=count_characters(text),
                     source_id=generation_id)
    return True


def _fail(generation_id: str, message: str) -> None:
    with system_session() as session:
        generation = session.get(Generation, generation_id)
        if generation is not None:
            generation.status, generation.error, generation.finished_at = rows.FAILED, message[:500], clock.now()
            session.add(generation)


GENERATION_JOBS = rows.status_kind("generation", Generation, "status", run_generation, concurrent=True)
