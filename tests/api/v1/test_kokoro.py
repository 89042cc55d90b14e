"""The public API with the real engine (Kokoro-82M on this CPU): PCM of exactly the stored speech, its MP3 from history,
and an MP3 stream whose first audio arrives while the rest is still being synthesised."""

from __future__ import annotations

import io
import time

import av
import numpy as np

from resonance.generations.models import Generation
from resonance.speech import audio
from resonance.storage import get_storage
from tests.factories import all_rows

TEXT = "Hello from Resonance. This voice is spoken on the server."
STORY = ("The lighthouse stood alone. Its keeper climbed the stairs each night. "
         "Ships saw the beam and knew home was near.")


def newest(org_id: str) -> Generation:
    return max(all_rows(Generation, org_id=org_id), key=lambda g: g.created_at)


def stored(generation: Generation) -> np.ndarray:
    samples, rate = audio.read_wav(get_storage().get(generation.object_key))
    assert rate == 24000
    return samples


def decode_mp3(data: bytes) -> tuple[np.ndarray, int, int]:
    """(samples, sample rate, bit rate) of an MP3, decoded with PyAV."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
        return samples, stream.rate, stream.bit_rate


def test_kokoro_speech_as_pcm_of_the_stored_audio_and_its_history_mp3(team, system_voice, kokoro, runner):
    pcm = b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT, output_format="pcm_24000"))
    generation = newest(team.org.id)
    spoken = stored(generation)
    assert len(spoken) / 24000 > 2.0 and len(pcm) == 2 * len(spoken)
    samples = np.frombuffer(pcm, "<i2").astype(np.float32) / 32767
    assert np.max(np.abs(samples - spoken)) < 1e-3  # the same speech, as raw little-endian 16-bit
    assert audio.loudness_dbfs(samples, 24000) > -30  # speech, not silence

    mp3, rate, bit_rate = decode_mp3(b"".join(team.client.history.get_audio(generation.id)))
    assert (rate, bit_rate) == (44100, 128_000) and abs(len(mp3) / rate - len(spoken) / 24000) < 0.1


def test_kokoro_mp3_stream_starts_before_synthesis_ends(team, system_voice, kokoro, runner):
    started = time.monotonic()
    arrivals, received, first_state = [], [], None
    for piece in team.client.text_to_speech.stream(system_voice.id, text=STORY, output_format="mp3_44100_128"):
        arrivals.append(time.monotonic() - started)
        received.append(piece)
        if first_state is None:
            first = newest(team.org.id)
            first_state = (first.status, first.chunks_done, first.chunks_total)
    generation = newest(team.org.id)
    status, done_then, chunks = first_state
    assert generation.status == "done" and chunks >= 3
    assert status == "running" and done_then < chunks  # the first audio left before the last chunk was spoken
    assert arrivals[-1] - arrivals[0] > 0.3
    samples, rate, bit_rate = decode_mp3(b"".join(received))
    seconds = len(stored(generation)) / 24000
    assert (rate, bit_rate) == (44100, 128_000) and abs(len(samples) / rate - seconds) < 0.15
    assert audio.loudness_dbfs(samples, rate) > -30
    print(f"\nKokoro stream: first audio after {arrivals[0]:.2f} s, last after {arrivals[-1]:.2f} s, "
          f"{seconds:.1f} s of speech in {chunks} chunks")
