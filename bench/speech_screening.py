"""The measurements behind the upload screening's thresholds (resonance/voices/likeness/screening.py).

    source scripts/env.sh && python bench/speech_screening.py [--wav FILE ...]

For each recording: its gated level (dBFS), seconds of speech silero VAD hears, the share of voiced samples piled up
at a ceiling (clipping), and what `screen` says. The material is what must be refused (silence, room hiss, white and
brown noise, chords, beeps, Kokoro speech at -60 dBFS, speech clipped 10 to 18 dB over full scale) and what must pass
(Kokoro's af_heart and am_michael at -50 to 0 dBFS, a few clipped peaks, a peak limiter's 6 dB of gain reduction),
the clipped and clean speech also through WAV, MP3, Opus and AAC at 44.1/48 kHz and decoded as uploads are.
`--wav` adds recordings of people (16-bit mono WAV, joined into one), measured the same way.
Pitch figures are printed for the speech too. Prints figures; exits 0.
"""

from __future__ import annotations

import argparse
import io
import sys
import wave

import numpy as np

from _common import machine  # noqa: E402  (puts the project on sys.path)
from resonance.speech import audio  # noqa: E402
from resonance.speech.engine import EngineVoice  # noqa: E402
from resonance.speech.kokoro import SAMPLE_RATE, KokoroEngine  # noqa: E402
from resonance.voices import containers, samples  # noqa: E402
from resonance.voices.likeness.level import clipped_fraction, gated_level_dbfs  # noqa: E402
from resonance.voices.likeness.pitch import pitch_figures  # noqa: E402
from resonance.voices.likeness.screening import screen  # noqa: E402
from resonance.voices.likeness.vad import speech_only  # noqa: E402
from resonance.voices.sample_rules import NotSpeech  # noqa: E402

RATE = 16_000
TEXT = ("Every evening the old keeper climbed the winding stairs of the lighthouse and lit the great lamp, so that the "
        "fishing boats could find their way home. In the morning he walked along the shore and counted the gulls.")
CODECS = {"wav": ("wav", "pcm_s16le", 44100), "mp3": ("mp3", "libmp3lame", 44100), "opus": ("ogg", "libopus", 48000),
          "aac": ("ipod", "aac", 44100)}


def kokoro(voice: str) -> np.ndarray:
    chunks = list(KokoroEngine().synthesize(TEXT, EngineVoice("", voice)))
    return audio.resample(audio.concat([c.samples for c in chunks], SAMPLE_RATE), SAMPLE_RATE, RATE)


def at_rms(x: np.ndarray, dbfs: float) -> np.ndarray:
    return (x * 10 ** (dbfs / 20) / np.sqrt(np.mean(np.square(x, dtype=np.float64)))).astype(np.float32)


def clipped(x: np.ndarray, over_db: float) -> np.ndarray:
    """Peaks pushed `over_db` past full scale, then cut off."""
    return np.clip(x * 10 ** (over_db / 20) / np.max(np.abs(x)), -1.0, 1.0).astype(np.float32)


def limited(x: np.ndarray, reduction_db: float, release_s: float = 0.05) -> np.ndarray:
    """A peak limiter without look-ahead (2 ms attack): `reduction_db` of gain reduction on the loudest peaks."""
    x = x * 10 ** (reduction_db / 20) / np.max(np.abs(x))
    target = np.minimum(1.0, 0.99 / np.maximum(np.abs(x), 1e-9))
    attack, release = np.exp(-1 / (0.002 * RATE)), np.exp(-1 / (release_s * RATE))
    gain, out = 1.0, np.empty_like(x)
    for i, want in enumerate(target):
        k = attack if want < gain else release
        gain = k * gain + (1 - k) * want
        out[i] = gain
    return np.clip(x * out, -1.0, 1.0).astype(np.float32)


def chords(seconds: float) -> np.ndarray:
    rng, t = np.random.default_rng(1), np.arange(RATE // 2) / RATE
    bars = []
    for _ in range(int(seconds * 2)):
        root = 110 * 2 ** (rng.integers(0, 12) / 12)
        bars.append(np.exp(-3 * t) * sum(np.sin(2 * np.pi * root * 2 ** (s / 12) * k * t) / k
                                          for s in (0, 4, 7, 12) for k in range(1, 6)))
    music = np.concatenate(bars)
    return (0.3 * music / np.max(np.abs(music))).astype(np.float32)


def through(x: np.ndarray, codec: str) -> np.ndarray:
    """`x` encoded as an upload would be, then decoded to 16 kHz as prepare_sample decodes it."""
    import av

    container, encoder, rate = CODECS[codec]
    x = audio.resample(x, RATE, rate)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(encoder, rate=rate, layout="mono")
        for start in range(0, x.size, 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[None, start : start + 1024]), format="fltp",
                                               layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    data = buffer.getvalue()
    return samples._decode(data, containers.sniff_container(data), stop_after=600).mono_16k


def read_wavs(paths: list[str]) -> np.ndarray:
    parts = []
    for path in paths:
        with wave.open(path) as reader:
            assert reader.getsampwidth() == 2 and reader.getnchannels() == 1, f"{path}: 16-bit mono only"
            x = np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float32) / 32768
            parts.append(audio.resample(x, reader.getframerate(), RATE))
    return np.concatenate(parts)


def report(name: str, x: np.ndarray, *, pitch: bool = False) -> None:
    voiced = speech_only(x)
    try:
        screen(x, min_speech_seconds=10)
        verdict = "passes"
    except NotSpeech as refused:
        verdict = "refused: " + str(refused).split(". ")[0][:60]
    figures = ""
    if pitch:
        f = pitch_figures(voiced)
        figures = f"  F0 {f.median_hz:5.1f} Hz, IQR {f.spread_semitones:.1f} st"
    share = clipped_fraction(voiced if voiced.size else x)
    print(f"{name:44s} {x.size / RATE:5.1f} s  level {gated_level_dbfs(x, RATE):6.1f}  speech {voiced.size / RATE:5.2f} s"
          f"  clipped {100 * share:6.2f}%  {verdict}{figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wav", nargs="*", default=[], help="recordings of people (16-bit mono WAV), joined")
    args = parser.parse_args()
    print(machine())
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(15 * RATE)
    brown = np.cumsum(noise)
    t = np.arange(15 * RATE) / RATE
    print("-- not speech")
    report("digital silence", np.zeros(15 * RATE, np.float32))
    report("room hiss at -70 dBFS", at_rms(noise, -70))
    report("white noise at -20 dBFS", at_rms(noise, -20))
    report("brown noise at -25 dBFS", at_rms(brown - np.convolve(brown, np.ones(1000) / 1000, "same"), -25))
    report("chords", chords(15))
    report("1 kHz beeps (a fake microphone)", (0.5 * np.sin(2 * np.pi * 1000 * t) * (t % 1 < 0.1)).astype(np.float32))
    voices = {"af_heart": kokoro("af_heart"), "am_michael": kokoro("am_michael")}
    if args.wav:
        voices["people (--wav)"] = read_wavs(args.wav)
    for name, voice in voices.items():
        print(f"-- {name}")
        report(f"{name} as made", voice, pitch=True)
        for dbfs in (-60, -50, -40, -30):
            report(f"{name} at {dbfs} dBFS RMS", at_rms(voice, dbfs))
        report(f"{name} peak at 0 dBFS", clipped(voice, 0))
        report(f"{name} padded with 20 s of silence", np.concatenate([voice, np.zeros(20 * RATE, np.float32)]))
        report(f"{name} limited by 6 dB", limited(voice, 6))
        report(f"{name} limited by 12 dB", limited(voice, 12))
        for over in (3, 6, 10, 12, 18):
            report(f"{name} clipped by {over} dB", clipped(voice, over))
        for codec in CODECS:
            for over in (None, 6, 10, 12, 18):
                x = clipped(voice, 0) * 0.9 if over is None else clipped(voice, over)
                report(f"{name} {codec} " + ("clean" if over is None else f"clipped by {over} dB"), through(x, codec))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
