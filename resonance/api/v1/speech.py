"""Text to speech for the public API, through the same pipeline as the app: a Generation row is queued with
`generations.create_generation` (validation, the subscription gate) and spoken by the generation job (chunk files as
they finish, the usage record with the "done" status). The request then follows the row:

- the whole-file endpoint waits for "done" and encodes the stored audio;
- the streaming endpoint sends each chunk as soon as the job has made it, so the first bytes leave after the first
  clause, while the rest is still being spoken. When the job runs in this process, chunks come straight from it
  (`generations.feed`), and the row's polls are woken by it; else each chunk is read from storage once the row
  counts it.

So an API call is metered, gated, listed in history and run by whichever worker runs jobs (a thread of this
process, or Celery workers) exactly like a generation started in the app. A client that hangs up does not stop the
generation: it finishes, is billed and stays in history, as in the app.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import numpy as np
from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from resonance.api.v1.errors import ApiProblem
from resonance.api.v1.formats import Encoder, Format, encode
from resonance.generations import feed, files
from resonance.generations import service as generations
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.storage import get_storage

POLL_FIRST_S = 0.02  # the first look comes quickly: a short text may be done in a fraction of a second
POLL_MAX_S = 0.2  # between looks while streaming: each stored chunk leaves within this
POLL_MAX_WHOLE_S = 0.5  # while waiting for the whole file
WAIT_LIMIT_S = 900  # a request gives up (504) when its generation has not finished in this long; it still completes


class ClientGone(ApiProblem):
    def __init__(self) -> None:
        super().__init__(499, "client_closed_request", "The client closed the connection")


def _read(org_id: str, generation_id: str) -> Generation | None:
    with tenant_session(org_id) as session:
        return generations.find_generation(session=session, generation_id=generation_id)


async def wait(org_id: str, generation_id: str, ready: Callable[[Generation], bool], *,
               request: Request | None = None, max_delay: float = POLL_MAX_S,
               live: Callable[[], bool] = lambda: False) -> Generation:
    """Poll the row until `ready(row)` or `live()` (this process's job has made what is waited for); the API's error
    when it fails, disappears, or takes too long. A poll is cut short by news from a job in this process."""
    delay, deadline = POLL_FIRST_S, time.monotonic() + WAIT_LIMIT_S
    while True:
        row = await run_in_threadpool(_read, org_id, generation_id)
        if row is None:
            raise ApiProblem(409, "history_item_deleted", "The history item was deleted before its audio was ready")
        if row.status == rows.FAILED:
            raise ApiProblem(502, "speech_failed", row.error or "Speech generation failed")
        if row.status == rows.CANCELLED:
            raise ApiProblem(409, "history_item_cancelled", "The generation was cancelled before its audio was ready")
        if ready(row) or live():
            return row
        if request is not None and await request.is_disconnected():
            raise ClientGone()
        if time.monotonic() > deadline:
            raise ApiProblem(504, "timeout", "Speech took too long; it is still being generated and will appear in "
                                             "the history")
        await feed.news(generation_id, delay, ready=live)
        delay = min(delay * 1.5, max_delay)


def _done(row: Generation) -> bool:
    return row.status == rows.DONE


def _started(row: Generation) -> bool:
    return row.chunks_done > 0 or row.status == rows.DONE


async def finished(org_id: str, generation_id: str, request: Request) -> Generation:
    """The row once its audio is done."""
    return await wait(org_id, generation_id, _done, request=request, max_delay=POLL_MAX_WHOLE_S)


async def whole(org_id: str, generation_id: str, fmt: Format, request: Request) -> bytes:
    """The finished audio in `fmt`."""
    row = await finished(org_id, generation_id, request)
    return await run_in_threadpool(_encode_stored, row.object_key, fmt)


def stored_audio(key: str) -> tuple[np.ndarray, int]:
    return audio.read_wav(get_storage().get(key))


def _encode_stored(key: str, fmt: Format) -> bytes:
    return encode(*stored_audio(key), fmt)


def _made(generation_id: str, count: int) -> Callable[[], bool]:
    """Whether this process's job for the generation has made more than `count` chunks."""
    def check() -> bool:
        live = feed.current(generation_id)
        return live is not None and len(live) > count
    return check


async def first_chunk(org_id: str, generation_id: str, request: Request) -> Generation:
    """Wait until the first chunk is made (before answering, so a failure up to then is a proper error)."""
    return await wait(org_id, generation_id, _started, request=request, live=_made(generation_id, 0))


async def stored_chunks(row: Generation) -> AsyncIterator[tuple[np.ndarray, int]]:
    """(samples, rate) of each chunk as the job makes it, in order, until the generation is done: straight from the
    job when it runs in this process, else from storage as the row counts them."""
    sent = 0
    while True:
        live = feed.current(row.id)
        if live is not None:
            async for samples, rate in live.follow(sent):
                yield samples, rate
                sent += 1
            if live.finished:
                return
            # The job stopped short (failed, cancelled, restarted): the row says which, or storage has the rest.
            row = await wait(row.org_id, row.id, lambda _: True)
        while sent < row.chunks_done:
            yield await run_in_threadpool(stored_audio, files.chunk_key(row, sent))
            sent += 1
        if row.status == rows.DONE:
            return
        expected = sent
        row = await wait(row.org_id, row.id, lambda r: r.chunks_done > expected or r.status == rows.DONE,
                         live=_made(row.id, expected))


async def chunks(row: Generation, fmt: Format) -> AsyncIterator[bytes]:
    """Each chunk in `fmt` as the job stores it, then the encoder's tail. A failure after the first bytes ends the
    response abruptly (the client sees an incomplete transfer, not a short "complete" file)."""
    encoder = Encoder(fmt)
    async for samples, rate in stored_chunks(row):
        data = await run_in_threadpool(encoder.feed, samples, rate)
        if data:
            yield data
    tail = encoder.finish()
    if tail:
        yield tail
