"""Voice matching: make a Kokoro voice that sounds like a recording. It is *matching*, not cloning — Kokoro cannot
speak from a sample — and every label says so (voices.labels).

Kokoro's style vector has a timbre half and a prosody half (speech.kokoro.Shape), built separately:
1. The recording's speech (voice-activity detection) is split by time: the search part, and a held-back part that
   only the final measurement hears.
2. Prosody: a blend of the stock voices of the voice's accent nearest the search part's pitch (likeness.prosody).
3. Timbre: the stock voices ranked by two speaker embedders against the search part; a few blends of the best are
   synthesised and the best becomes the start of a bounded search (likeness.search).
   The voice that ships has passed the speech-recognition check: the start as well as every step.
4. The similarity shown is measured on new sentences against the held-back part, with both embedders.
Runs as a background job with progress on the Voice row. All its syntheses count against RESONANCE_MATCH_SYNTHESES;
the search keeps to what is left of RESONANCE_MATCH_SECONDS after the start.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import update
from sqlmodel import col

from resonance.core.config import get_settings
from resonance.core.failures import report
from resonance.jobs import rows
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import encode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine
from resonance.speech.kokoro_voices import MAX_SHIFT, STOCK, Shape
from resonance.storage import get_storage
from resonance.voices import match_report
from resonance.voices.likeness import stock_figures
from resonance.voices.likeness.embedders import Scores, embed, score
from resonance.voices.likeness.intelligibility import cer, transcribe
from resonance.voices.likeness.pitch import pitch_figures
from resonance.voices.likeness.prosody import prosody_blend
from resonance.voices.likeness.search import Budget, Trial, search
from resonance.voices.likeness.vad import speech_only
from resonance.voices.models import Voice
from resonance.voices.voicespec import dump_spec

log = logging.getLogger("resonance.voices.matching")

RATE = stock_figures.RATE
HELD_BACK = 0.3  # the last part of the recording, by time, kept from the search for the measurement
MIN_HELD_BACK_SECONDS = 2.0  # of speech in it; a recording whose end is mostly silence is cut by speech time instead
PROBE = "A small boat drifted slowly toward the quiet harbour at dawn."  # what candidates say during the search
MEASURE = ("Please bring the red folder to my office before lunch tomorrow.",  # new sentences for the measurement
           "We watched the rain fall over the mountains all afternoon.")
MAX_CER = 0.05  # a candidate that speech recognition misreads more than this is refused
TOP = 4  # stock voices the starting blends are made of
SINGLES = 2  # the best voices alone come first
TEMPERATURES = (0.01, 0.03, 0.1)  # softmax temperatures of the starting blends


@dataclass(frozen=True)
class MatchResult:
    shape: Shape
    held_back: Scores  # the new voice's new sentences against the held-back part of the recording
    start: Scores  # the starting blend and the final voice on the search part
    found: Scores
    pitch_hz: float
    syntheses: int
    seconds: float
    accepted_steps: int
    cer: float  # speech recognition on the new sentences (the worst of them)

    @property
    def spec(self) -> dict:
        return self.shape.spec()

    def report(self) -> dict:
        """What the Voice row keeps (match_report)."""
        return {
            "timbre": self.shape.timbre, "prosody": self.shape.prosody,
            "held_back": {"dvector": round(self.held_back.dvector, 3),
                          "resemblyzer": round(self.held_back.resemblyzer, 3)},
            "pitch_hz": round(self.pitch_hz, 1), "syntheses": self.syntheses, "seconds": round(self.seconds, 1),
            "cer": round(self.cer, 3),
            "search": {"steps_taken": self.accepted_steps,
                       "start": [round(self.start.dvector, 3), round(self.start.resemblyzer, 3)],
                       "end": [round(self.found.dvector, 3), round(self.found.resemblyzer, 3)]},
        }


def split(samples_16k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The speech of (the search part, the held-back part) of a recording, split by time: the search part never
    depends on anything after the cut."""
    cut = int(round(len(samples_16k) * (1 - HELD_BACK)))
    search_part, held_back = speech_only(samples_16k[:cut]), speech_only(samples_16k[cut:])
    if len(held_back) < MIN_HELD_BACK_SECONDS * RATE:
        speech = speech_only(samples_16k)
        cut = int(round(len(speech) * (1 - HELD_BACK)))
        search_part, held_back = speech[:cut], speech[cut:]
    return search_part, held_back


def band_limited(samples_16k: np.ndarray, original_rate: int) -> np.ndarray:
    """Synthesised speech through the recording's bandwidth, so a telephone recording is compared on voice, not on
    the missing high frequencies."""
    if original_rate >= RATE:
        return samples_16k
    return audio.resample(audio.resample(samples_16k, RATE, original_rate), original_rate, RATE)


def starting_blends(ranked: list[tuple[str, float]]) -> list[dict[str, float]]:
    """The best stock voices alone, then softmax blends of the best `TOP` over their scores."""
    names = [name for name, _ in ranked[:TOP]]
    scores = np.array([value for _, value in ranked[:TOP]])
    found: list[dict[str, float]] = [{name: 1.0} for name in names[:SINGLES]]
    for temperature in TEMPERATURES:
        weights = np.exp((scores - scores.max()) / temperature)
        weights /= weights.sum()
        kept = {n: float(w) for n, w in zip(names, weights, strict=True) if w >= 0.02}
        blend = {n: round(w / sum(kept.values()), 3) for n, w in kept.items()}
        if blend not in found:
            found.append(blend)
    return found


def match_recording(samples_16k: np.ndarray, *, original_rate: int = RATE, lang: str = "en-us",
                    syntheses: int | None = None, seconds: float | None = None, workers: int | None = None,
                    clock: Callable[[], float] = time.monotonic,
                    on_progress: Callable[[float], None] = lambda fraction: None) -> MatchResult:
    """A shaped Kokoro voice for the recording (mono float32, 16 kHz) and its measured likeness; `lang` (en-us or
    en-gb) is the accent its prosody comes from."""
    settings = get_settings()
    budget = Budget(syntheses or settings.MATCH_SYNTHESES, seconds or settings.MATCH_SECONDS)
    workers = workers or search_workers()
    began = clock()
    search_part, held_back = split(samples_16k)
    target = embed(search_part)
    figures = stock_figures.load()
    pitch = pitch_figures(search_part)
    ranked = sorted(((name, score(target, f.embeddings).total) for name, f in figures.items()),
                    key=lambda item: (-item[1], item[0]))
    accent = {name: f.pitch for name, f in figures.items() if STOCK[name].lang == lang and f.pitch.median_hz > 0}
    # Whispered or breathy speech has no pitch to match: the closest voice's own prosody then
    prosody = prosody_blend(pitch, accent) if pitch.median_hz > 0 and accent else {ranked[0][0]: 1.0}
    on_progress(0.02)

    engine = KokoroEngine(workers=1)
    with ThreadPoolExecutor(workers, thread_name_prefix="voice-match") as pool:
        def speak(text: str, voice: Shape) -> np.ndarray:
            samples, rate = engine.render(text, voice.spec())
            return band_limited(audio.resample(samples, rate, RATE), original_rate)

        def trial(voice: Shape) -> Trial:
            speech = speak(PROBE, voice)
            return Trial(score(embed(speech_only(speech)), target), speech)

        blends = starting_blends(ranked)[: max(1, budget.syntheses - len(MEASURE))]
        round_began = clock()
        trials = list(pool.map(trial, [Shape(blend, prosody) for blend in blends]))
        per_round = (clock() - round_began) * workers / len(blends)
        # The best start that speech recognition understands (a stock voice alone if none is)
        order = sorted(range(len(blends)), key=lambda i: (-trials[i].scores.total, i))
        best, spent = next((i for i in order if understood(trials[i].speech)), None), len(trials)
        if best is None:
            alone = {ranked[0][0]: 1.0}
            blends, trials, best, spent = [alone], [trial(Shape(alone, prosody))], 0, spent + 1
        timbre, start = blends[best], trials[best].scores
        on_progress(0.1)

        def evaluate(shift: np.ndarray) -> Trial:
            return trial(Shape(timbre, prosody, tuple(float(x) for x in shift)))

        # What is left after the start, less the final measurement (its syntheses, and a round's time for them)
        left = Budget(budget.syntheses - len(MEASURE), budget.seconds - (clock() - began) - per_round)
        outcome = search(np.zeros(stock_figures.timbre_basis().shape[1], np.float32), start,
                         basis=stock_figures.timbre_basis(), evaluate=evaluate, understood=understood,
                         budget=left, used=spent, workers=workers, round_seconds=per_round,
                         limit=MAX_SHIFT, clock=clock,
                         on_progress=lambda fraction: on_progress(0.1 + 0.8 * fraction))
        shift = tuple(float(x) for x in outcome.shift) if outcome.accepted else ()
        voice = Shape(timbre, prosody, shift)
        measured = list(pool.map(lambda text: speak(text, voice), MEASURE))
    held = score(embed(speech_only(np.concatenate(measured))), embed(held_back))
    misread = max(cer(text, transcribe(speech)) for text, speech in zip(MEASURE, measured, strict=True))
    on_progress(1.0)
    return MatchResult(shape=voice, held_back=held, start=start, found=outcome.scores, pitch_hz=pitch.median_hz,
                       syntheses=outcome.syntheses + len(MEASURE), seconds=clock() - began,
                       accepted_steps=outcome.accepted, cer=misread)


def understood(speech: np.ndarray) -> bool:
    """The intelligibility guard: speech recognition reads the probe sentence back."""
    return cer(PROBE, transcribe(speech)) <= MAX_CER


def search_workers() -> int:
    """Candidates synthesised at once: one per core this process may use (RESONANCE_SPEECH_WORKERS caps it)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, get_settings().SPEECH_WORKERS or cores))


def run_match(voice_id: str) -> None:
    with system_session() as session:
        voice = session.get(Voice, voice_id)
        if voice is None or voice.object_key is None:
            return
        voice.match_status, voice.match_progress, voice.match_error = rows.RUNNING, 0.0, ""
        session.add(voice)
        key, recorded = voice.object_key, _recording_facts(voice)
        lang = "en-gb" if voice.language.lower().startswith("en-gb") else "en-us"
    try:
        samples, rate = audio.read_wav(get_storage().get(key))
        result = match_recording(audio.resample(samples, rate, RATE),
                                 original_rate=int(recorded.get("sample_rate") or rate), lang=lang,
                                 on_progress=lambda f: _progress(voice_id, key, f))
        _store(voice_id, key, result, recorded)
    except Exception as error:  # noqa: BLE001 - recorded on the voice for the person to see
        # The voice shows a stable message and a reference; the detail (storage key included) goes to the log.
        message = report(log, error, "Voice matching failed.", "matching voice %s failed", voice_id)
        _update_if_same(voice_id, key, match_status=rows.FAILED, match_error=message[:500])


def _store(voice_id: str, key: str, result: MatchResult, recorded: dict) -> None:
    """Write the sidecar, then the row in one conditional UPDATE. A voice deleted (or given a new recording) at any
    moment is then either gone when the UPDATE runs, and the sidecar is taken back here, or deleted after it, with
    the sidecar among its files. Checking the row first and writing after leaves a sidecar behind when the deletion
    commits in between."""
    with system_session() as session:
        if not _same_recording(session.get(Voice, voice_id), key):  # gone already: write nothing at all
            return
    storage, sidecar = get_storage(), sidecar_key(key)
    storage.put(sidecar, encode_sidecar(result.spec), "application/json")
    stored = _update_if_same(
        voice_id, key, engine_voice=dump_spec(result.spec), similarity=round(result.held_back.resemblyzer, 3),
        match_report=match_report.dump({"recording": recorded, **result.report()}),
        match_status=rows.DONE, match_progress=1.0)
    if not stored:
        storage.delete(sidecar)


def _recording_facts(voice: Voice) -> dict:
    """What the upload step noted about the recording (its original sample rate, its seconds of speech)."""
    facts = match_report.load(voice).get("recording")
    return dict(facts) if isinstance(facts, dict) else {}


def _same_recording(voice: Voice | None, key: str) -> bool:
    """Whether the voice still exists with the recording at `key`: a match of a replaced recording (POST
    /v1/voices/{id}/edit with files) must not overwrite the new recording's state."""
    return voice is not None and voice.object_key == key


def _progress(voice_id: str, key: str, fraction: float) -> None:
    _update_if_same(voice_id, key, match_progress=round(fraction, 3))


def _update_if_same(voice_id: str, key: str, **values) -> bool:
    """Set `values` on the voice if it still has the recording at `key`, in one conditional UPDATE (a deletion or a
    new recording committed meanwhile makes it a no-op); whether it did."""
    with system_session() as session:
        return bool(session.exec(update(Voice).where(col(Voice.id) == voice_id, col(Voice.object_key) == key)
                                 .values(**values)).rowcount)


MATCH_JOBS = rows.status_kind("voice matching", Voice, "match_status", run_match)

__all__ = ["MATCH_JOBS", "MatchResult", "match_recording", "run_match"]
