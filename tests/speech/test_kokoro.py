"""The default engine, Kokoro-82M: every stock voice the system voices use is intelligible (Whisper as the
listener), tags are never read aloud, speed and blends work, long text streams chunk by chunk."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from resonance.speech import audio
from resonance.speech import kokoro_model
from resonance.speech.engine import EngineVoice, SpeechInputError, SpeechParams, VoiceNotFound
from resonance.speech.kokoro import SENTENCE_PAUSE
from resonance.speech.kokoro_voices import STOCK_VOICES, blend, language
from resonance.voices.likeness.intelligibility import cer
from tests.speech.conftest import speak

SENTENCES = (  # short: synthesis on the CPU costs more than the audio lasts, and each voice says one
    "Resonance turns words into speech.",
    "The fox jumps over the lazy dog.",
    "Please bring your umbrella today.",
    "She walks to the market for bread.",
)
MAX_CER = 0.10


def system_voice_packs() -> list[str]:
    """The stock voices the 20 system voices speak with (the voices catalog; its list if not importable)."""
    try:
        from resonance.voices.catalog import SYSTEM_VOICES
    except ImportError:
        return ("am_michael bf_emma bf_alice am_eric am_liam am_echo bf_lily am_puck am_fenrir am_onyx af_heart "
                "am_adam am_santa bm_george af_sarah af_nicole af_bella af_jessica bf_isabella bm_daniel").split()
    return [voice.kokoro for voice in SYSTEM_VOICES]


SYSTEM_PACKS = system_voice_packs()


def test_the_system_voices_use_twenty_distinct_stock_voices_of_both_accents_and_genders():
    assert len(set(SYSTEM_PACKS)) == len(SYSTEM_PACKS) >= 20
    groups = {(v.accent, v.gender) for v in STOCK_VOICES if v.name in SYSTEM_PACKS}
    assert groups == {("American", "female"), ("American", "male"), ("British", "female"), ("British", "male")}


@pytest.mark.parametrize(
    ("voice", "sentence"), list(zip(SYSTEM_PACKS, itertools.cycle(SENTENCES))), ids=SYSTEM_PACKS
)
def test_every_system_voice_is_intelligible(kokoro, transcribe, voice, sentence):
    samples, rate, _ = speak(kokoro, sentence, voice)
    heard = transcribe(samples, rate)
    assert cer(sentence, heard) <= MAX_CER, f"{voice} said {heard!r}"


def test_the_voices_cover_both_accents_and_genders():
    groups = {(v.accent, v.gender) for v in STOCK_VOICES}
    assert groups == {("American", "female"), ("American", "male"), ("British", "female"), ("British", "male")}
    assert len(STOCK_VOICES) == 28
    assert language("bf_emma") == "en-gb" and language("am_adam") == "en-us"


def test_tags_are_not_spoken(kokoro, transcribe):
    said = "Well [chuckle] that is a surprise. [sigh] I did not expect it [laugh]."
    samples, rate, chunks = speak(kokoro, said, "am_michael")
    heard = transcribe(samples, rate).lower()
    assert not any(word in heard for word in ("chuckle", "sigh", "laugh", "bracket"))
    assert cer("Well that is a surprise. I did not expect it.", heard) <= MAX_CER
    assert all("[" not in chunk.text for chunk in chunks)


def test_output_is_24k_mono_float_and_loudness_normalised(kokoro):
    samples, rate, _ = speak(kokoro, "Loudness is the same for every voice.", "bm_george")
    assert rate == 24_000 and samples.dtype == np.float32 and samples.ndim == 1
    assert audio.loudness_dbfs(samples, rate) == pytest.approx(audio.TARGET_DBFS, abs=1.0)
    assert np.max(np.abs(samples)) <= 10 ** (audio.PEAK_DBFS / 20) + 1e-4


def test_speed_changes_duration(kokoro):
    text = "Faster speech takes less time."
    slow = speak(kokoro, text, "af_sarah", speed=0.7)[0]
    normal = speak(kokoro, text, "af_sarah")[0]
    fast = speak(kokoro, text, "af_sarah", speed=1.5)[0]
    assert len(slow) > 1.2 * len(normal) > 1.2 * 1.2 * len(fast)


def test_blends_produce_intelligible_audio_between_their_voices(kokoro, transcribe):
    text = "A blend of two voices still speaks clearly."
    spec = {"af_bella": 0.5, "bm_lewis": 0.5}
    assert blend(spec) == {"af_bella": 0.5, "bm_lewis": 0.5}
    assert blend({"af_bella": 3, "bm_lewis": 1}) == {"af_bella": 0.75, "bm_lewis": 0.25}
    mixed, rate, _ = speak(kokoro, text, spec)
    assert cer(text, transcribe(mixed, rate)) <= MAX_CER
    style = kokoro.load().style(spec)
    packs = kokoro.load().packs
    assert np.allclose(style, 0.5 * packs["af_bella"] + 0.5 * packs["bm_lewis"], atol=1e-6)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("xx_nobody", "Unknown Kokoro voice: xx_nobody"), (None, "no Kokoro voice"), ({}, "positive weights"),
     ({"af_heart": -1, "am_adam": 2}, "positive weights"), ({"ef_dora": 1}, "Unknown")],
)
def test_unknown_voices_are_refused_before_any_audio(kokoro, spec, message):
    with pytest.raises(VoiceNotFound, match=message):
        kokoro.synthesize("Hello.", EngineVoice(spec=spec))


def test_bad_input_is_refused_at_the_call(kokoro):
    with pytest.raises(SpeechInputError, match="Text is required"):
        kokoro.synthesize("   ", EngineVoice(spec="af_heart"))
    with pytest.raises(SpeechInputError, match="too long"):
        kokoro.synthesize("a " * 2600, EngineVoice(spec="af_heart"))
    with pytest.raises(SpeechInputError, match="Speed"):
        kokoro.synthesize("Hello.", EngineVoice(spec="af_heart"), SpeechParams(speed=3))


def test_long_text_streams_the_first_chunk_before_the_rest(kokoro, monkeypatch):
    text = "Streaming matters for long texts. " + " ".join(
        ["The next part waits its turn.", "Meanwhile the listener hears the start.", "Then the rest follows."])
    model = kokoro.load()
    started = _record_calls(monkeypatch, model)
    stream = kokoro.synthesize(text, EngineVoice(spec="bf_alice"))
    first = next(stream)
    started_before_first = len(started)
    rest = list(stream)
    assert first.index == 0 and first.text == "Streaming matters for long texts."
    assert [c.index for c in rest] == list(range(1, len(rest) + 1)) and len(rest) >= 2, [c.text for c in rest]
    # The first chunk is handed out before the rest are made: at most one slot's worth of them has started.
    assert started_before_first <= 1 + min(kokoro.slots(), len(rest)), started
    assert " ".join(c.text for c in [first, *rest]).split() == text.split()
    # A pause closes each chunk that ends a sentence, so joined chunks do not run sentences together.
    assert not first.samples[-int(0.2 * first.sample_rate):].any()


def test_no_pause_is_added_between_the_pieces_of_one_sentence(kokoro):
    from resonance.speech import text as speech_text

    sentence = "When the ferry finally left the harbour, everyone on deck waved at the people on the pier."
    first, second = list(kokoro.synthesize(f"{sentence} Then it was gone.", EngineVoice(spec="af_heart")))[:2]
    assert first.text == "When the ferry finally left the harbour," and second.text.startswith("everyone")
    # The clause's chunk is exactly what the model says for it: nothing is padded on.
    alone, rate = kokoro.render(first.text, "af_heart")
    assert len(first.samples) == len(alone)
    # The silence across the join is the model's own, shorter than the pause between sentences.
    gap = _trailing_silence(first.samples, rate) + _leading_silence(second.samples, rate)
    assert gap < SENTENCE_PAUSE, gap
    assert speech_text.split(sentence)[0] == first.text


def test_the_schedulers_plan_speaks_exactly_what_synthesize_does(kokoro):
    """Generations run through `plan` (one call per chunk on the chunk scheduler): same pieces, same pauses."""
    text = "When the ferry finally left the harbour, everyone waved. Then it was gone."
    voice = EngineVoice(spec="af_heart")
    streamed = list(kokoro.synthesize(text, voice))
    planned = [task() for task in kokoro.plan(text, voice)]
    assert [c.text for c in planned] == [c.text for c in streamed] and len(planned) >= 2
    assert [len(c.samples) for c in planned] == [len(c.samples) for c in streamed]


def test_a_texts_first_chunk_runs_on_every_core_and_the_rest_one_per_core(kokoro, monkeypatch):
    """The listener waits for the first chunk, so it gets every core unless other chunks hold them."""
    model = kokoro.load()
    cores = os.cpu_count() or 1
    if cores > 1:
        assert model.first.sess.get_session_options().intra_op_num_threads == cores
        assert model.kokoro.sess.get_session_options().intra_op_num_threads == model.threads < cores
    monkeypatch.setattr(kokoro_model, "machine_has_spare_cores", lambda: True)
    calls = _record_calls(monkeypatch, model)
    text = "The ferry left. Then it was gone."
    voice = EngineVoice(spec="af_heart")
    streamed = list(kokoro.synthesize(text, voice))
    assert len(streamed) >= 2
    wide = model.first is not model.kokoro
    assert [session for session, _ in calls] == ["first" if wide else "rest"] + ["rest"] * (len(streamed) - 1)
    calls.clear()
    planned = [task() for task in kokoro.plan(text, voice)]
    assert [session for session, _ in calls] == ["first" if wide else "rest"] + ["rest"] * (len(planned) - 1)
    calls.clear()
    kokoro.render("A fixed sentence.", "af_heart")  # voice matching renders many at once: one core each
    assert [session for session, _ in calls] == ["rest"]
    calls.clear()
    with model.session_for(first=False):  # another text's chunk is being synthesised meanwhile
        kokoro.plan(text, voice)[0]()
    assert [session for session, _ in calls] == ["rest"]
    calls.clear()
    monkeypatch.setattr(kokoro_model, "machine_has_spare_cores", lambda: False)  # other processes hold the cores
    kokoro.plan(text, voice)[0]()
    assert [session for session, _ in calls] == ["rest"]


def _record_calls(monkeypatch, model) -> list[tuple[str, str]]:
    """(session, text) of every chunk the model is asked to speak, in the order they start."""
    calls: list[tuple[str, str]] = []
    sessions = {"rest": model.kokoro} if model.first is model.kokoro else {"first": model.first, "rest": model.kokoro}
    for name, session in sessions.items():
        def create(piece, *args, _name=name, _create=session.create, **kwargs):
            calls.append((_name, piece))
            return _create(piece, *args, **kwargs)

        monkeypatch.setattr(session, "create", create)
    return calls


def _trailing_silence(samples: np.ndarray, rate: int, threshold: float = 0.01) -> float:
    loud = np.nonzero(np.abs(samples) > threshold)[0]
    return (len(samples) - loud[-1]) / rate


def _leading_silence(samples: np.ndarray, rate: int, threshold: float = 0.01) -> float:
    return np.nonzero(np.abs(samples) > threshold)[0][0] / rate


def test_the_model_loads_once_per_process_even_when_threads_race(kokoro):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: kokoro.load(), range(8)))
    assert all(model is models[0] for model in models)
    assert models[0].providers[-1] == "CPUExecutionProvider"


def test_closing_the_stream_early_stops_the_remaining_chunks(kokoro):
    stream = kokoro.synthesize("Stop after this. " + "This part is never needed. " * 6, EngineVoice(spec="am_eric"))
    first = next(stream)
    stream.close()
    assert first.index == 0
    with pytest.raises(StopIteration):
        next(stream)
