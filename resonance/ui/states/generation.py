"""/text-to-speech/[generation_id]: one generation of the actor's organization, its progress while it is spoken
(polled in the background) with Cancel, its player and downloads, and "Try again" when it failed or was cancelled.

A generation of another organization, or an unknown id, reads as "Generation not found"; nothing of it is loaded."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from resonance.core.config import get_settings
from resonance.core.errors import NotFound, ResonanceError
from resonance.generations import service as generations
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.orgs.principal import require_org
from resonance.orgs.scope import tenant_session
from resonance.speech.engine import SpeechParams
from resonance.ui import avatars, formatting
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.billing import BillingState, refusal_toast
from resonance.generations.submit import submit_generation
from resonance.ui.states.tts import TTSState, generation_url
from resonance.ui.states.tts_history import TTSHistoryState

POLL_SECONDS = 0.7
POLL_LIMIT_SECONDS = 30 * 60  # a poller never outlives a very long job by much
DOWNLOAD_LABEL_SECONDS = 2.5
PREVIEW_CHARS = 120


def _params(generation: Generation) -> dict[str, float]:
    return {"temperature": generation.temperature, "top_p": generation.top_p, "top_k": generation.top_k,
            "repetition_penalty": generation.repetition_penalty, "speed": generation.speed}


class GenerationState(AuthState):
    gen_id: str = ""  # not `generation_id`: Reflex gives the route's argument that name
    found: bool = True
    status: str = ""  # queued | running | done | failed | cancelled
    chunks_done: int = 0
    chunks_total: int = 0
    error: str = ""
    text_preview: str = ""
    voice_name: str = ""
    voice_background: str = ""
    duration_s: float = 0.0
    downloading: str = ""  # "wav" | "mp3" while the button says "Downloading..."
    retrying: bool = False
    cancelling: bool = False
    _poll_round: int = 0

    @rx.var
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @rx.var
    def progress_value(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.chunks_done / self.chunks_total) if self.chunks_total else 0

    @rx.var
    def progress_label(self) -> str:
        if self.status == "queued":
            return "Waiting for the speech engine..."
        total = max(self.chunks_total, 1)
        return f"Generating… chunk {min(self.chunks_done + 1, total)} of {total}"

    @rx.var
    def base_url(self) -> str:
        return get_settings().API_URL

    @rx.var
    def audio_url(self) -> str:
        return f"{get_settings().API_URL}/api/audio/{self.gen_id}" if self.gen_id else ""

    @rx.var
    def total_time(self) -> str:
        return f"00:00 / {formatting.duration(self.duration_s)}"

    def _show(self, generation: Generation | None) -> None:
        if generation is None:
            self.found, self.status, self.chunks_done, self.chunks_total = False, "", 0, 0
            self.error = self.text_preview = self.voice_name = self.voice_background = ""
            self.duration_s = 0.0
            return
        text = " ".join(generation.text.split())
        self.found, self.status, self.error = True, generation.status, generation.error
        self.chunks_done, self.chunks_total = generation.chunks_done, generation.chunks_total
        self.text_preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1].rstrip() + "…"
        self.voice_name = generation.voice_name
        self.voice_background = avatars.glass(generation.voice_id or generation.voice_name)
        self.duration_s = generation.duration_s or 0.0

    def _fetch(self, org_id: str, generation_id: str) -> Generation | None:
        with tenant_session(org_id) as session:
            try:
                return generations.get_generation(session=session, generation_id=generation_id)
            except NotFound:
                return None

    @rx.event
    async def load(self):
        """on_load: the generation in the actor's organization, the form prefilled from it, polling while active."""
        if (p := self._member()) is None:
            return  # the guard before this handler redirects
        self._poll_round += 1  # any poller of an earlier visit stops
        self.gen_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.downloading, self.retrying, self.cancelling = "", False, False
        tts = await self.get_state(TTSState)
        try:
            tts._load_voices(p)
            generation = self._fetch(p.org_id, self.gen_id)
        except ResonanceError as error:
            return error_toast(error)
        self._show(generation)
        if generation is None:
            self.gen_id = ""
            tts._prefill(text="", voice_id=None)
            return
        tts._prefill(text=generation.text, voice_id=generation.voice_id, params=_params(generation),
                     keep_missing=True)
        tts.job_running = self.active
        if self.active:
            return GenerationState.poll

    @rx.event(background=True)
    async def poll(self):
        """Re-read the row every ~0.7 s while it is queued or running; toast and refresh history when it ends."""
        async with self:
            round_, generation_id = self._poll_round, self.gen_id
        started = time.monotonic()
        while time.monotonic() - started < POLL_LIMIT_SECONDS:
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if (self._poll_round != round_ or self.gen_id != generation_id
                        or not self.router.url.path.rstrip("/").endswith(f"/{generation_id}")):
                    return  # another generation or another page was opened
                p = self._principal()
                if p is None or p.org_id is None:
                    return
                try:
                    generation = self._fetch(p.org_id, generation_id)
                except ResonanceError:
                    continue
                self._show(generation)
                (await self.get_state(TTSState)).job_running = self.active
                status, message = self.status, self.error
            if generation is None:
                yield TTSHistoryState.load
                return
            if status == "done":
                # The sidebar's usage card re-reads the period's amount, which this generation just raised.
                yield [rx.toast.success("Audio generated successfully!"), TTSHistoryState.load, BillingState.load_card]
                return
            if status == "failed":
                yield [rx.toast.error(message or "Speech generation failed"), TTSHistoryState.load]
                return
            if status == rows.CANCELLED:
                yield TTSHistoryState.load
                return

    @rx.event
    async def cancel(self):
        """Stop the job this page shows; nothing of it is kept or billed."""
        if not self.active or self.cancelling:
            return
        self.cancelling = True
        actor = self._principal()
        try:
            p = require_org(actor)
            with tenant_session(p.org_id) as session:
                generations.cancel_generation(session=session, actor=p, generation_id=self.gen_id)
            generation = self._fetch(p.org_id, self.gen_id)
        except ResonanceError as error:
            self.cancelling = False
            return error_toast(error)
        self._show(generation)
        self.cancelling = False
        (await self.get_state(TTSState)).job_running = self.active
        return [rx.toast.info("Generation cancelled"), TTSHistoryState.load]

    @rx.event
    def retry(self):
        """Queue a new generation with the failed one's text, voice and settings, and open it."""
        if self.retrying:
            return
        self.retrying = True
        yield
        actor = self._principal()
        try:
            p = require_org(actor)
            with tenant_session(p.org_id) as session:
                old = generations.get_generation(session=session, generation_id=self.gen_id)
                text, voice_id, params = old.text, old.voice_id or "", SpeechParams(**_params(old))
            new_id = submit_generation(p, text, voice_id, params)
        except ResonanceError as error:
            self.retrying = False
            yield refusal_toast(error, actor)
            return
        yield rx.redirect(generation_url(new_id))

    @rx.event(background=True)
    async def show_downloading(self, fmt: str):
        """The button says "Downloading..." for 2.5 s while the browser fetches the file."""
        async with self:
            self.downloading = "mp3" if fmt == "mp3" else "wav"
        await asyncio.sleep(DOWNLOAD_LABEL_SECONDS)
        async with self:
            self.downloading = ""
