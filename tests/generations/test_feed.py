"""The in-process hand-off: a listener in the job's process gets each chunk from the job as it is made, the same
audio that is stored, and hears when the job ends; a listener that comes late reads storage."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from resonance.generations import feed, files, jobs
from resonance.generations.models import Generation
from resonance.speech import audio
from resonance.storage import get_storage
from tests.factories import get
from tests.fakes import ToneEngine
from tests.generations.test_jobs import queue, runner

WAIT_S = 60  # a generous bound: the listener is woken by the job, never by this


def listen_in_thread(generation_id: str) -> tuple[threading.Thread, list[np.ndarray], list[bool]]:
    """A listener on its own event loop (as the API's are), following the job's feed once it opens: (its thread,
    the chunks it heard, [whether the job finished])."""
    heard: list[np.ndarray] = []
    result: list[bool] = []
    listening = threading.Event()

    async def listen() -> bool:
        listening.set()
        await feed.news(generation_id, WAIT_S, ready=lambda: feed.current(generation_id) is not None)
        live = feed.current(generation_id)
        async for samples, _ in live.follow():
            heard.append(samples)
        return live.finished

    listener = threading.Thread(target=lambda: result.append(asyncio.run(listen())))
    listener.start()
    assert listening.wait(WAIT_S)
    return listener, heard, result


def test_a_listener_in_the_process_gets_every_chunk_as_the_job_makes_it(team, engine):
    _, principal = team
    generation_id = queue(principal, engine)
    listener, heard, result = listen_in_thread(generation_id)
    assert runner().run_pending() == 1
    listener.join(WAIT_S)
    done = get(Generation, generation_id)
    stored = [audio.read_wav(get_storage().get(files.chunk_key(done, i)))[0] for i in range(done.chunks_done)]
    assert result == [True] and len(heard) == done.chunks_done >= 2
    assert all(np.allclose(a, b, atol=1e-4) for a, b in zip(heard, stored))
    assert feed.current(generation_id) is None  # the finished job's feed is gone: later readers read storage


def test_a_listener_hears_that_a_failed_job_ended_short(team, monkeypatch):
    _, principal = team
    broken = ToneEngine(fail_at=1)
    monkeypatch.setattr(jobs, "get_engine", lambda: broken)
    generation_id = queue(principal, broken)
    listener, heard, result = listen_in_thread(generation_id)
    runner().run_pending()
    listener.join(WAIT_S)
    assert result == [False] and len(heard) == 1
    assert get(Generation, generation_id).status == "failed"


def test_news_returns_at_once_when_ready_and_when_woken():
    async def scenario() -> None:
        await asyncio.wait_for(feed.news("g-ready", WAIT_S, ready=lambda: True), WAIT_S / 2)
        waiting = asyncio.ensure_future(feed.news("g-woken", WAIT_S))
        await asyncio.sleep(0)
        live = await asyncio.to_thread(feed.open_feed, "g-woken")
        await asyncio.wait_for(waiting, WAIT_S / 2)
        feed.close(live, finished=True)

    asyncio.run(scenario())
