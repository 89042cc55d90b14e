"""Voice sample uploads: every common format accepted with its real type and duration; bad uploads refused with the
reference's exact messages. The speech is Kokoro's (tests/speech_samples.py), encoded here with PyAV."""

from __future__ import annotations

import io
import json
import math
import struct
import wave
import zipfile
import zlib

import av
import numpy as np
import pytest

from resonance.core.errors import Invalid
from resonance.speech import audio
from resonance.voices import containers, samples
from resonance.voices.sample_rules import (
    AudioTooLong,
    AudioTooShort,
    EmptySample,
    NotAudio,
    NotSpeech,
    SampleLimits,
    SampleTooLarge,
    check_upload_size,
)
from resonance.voices.samples import prepare_sample
from tests.speech_samples import speech, speech_wav

NOT_AUDIO = "File is not a valid audio file"
LIMITS = SampleLimits(max_bytes=20 * 1024 * 1024, min_seconds=10, max_seconds=300, min_speech_seconds=10)


def encode(x: np.ndarray, rate: int, container: str, codec: str) -> bytes:
    layout = "mono" if x.shape[0] == 1 else "stereo"
    out_buffer = io.BytesIO()
    with av.open(out_buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        for start in range(0, x.shape[1], 1024):
            chunk = np.ascontiguousarray(x[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_buffer.getvalue()


def video_only(container: str, codec: str) -> bytes:
    out_buffer = io.BytesIO()
    with av.open(out_buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 10, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_buffer.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes(range(16)) * 3 for _ in range(16))
    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def zipped(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


def gated_dbfs(wav_bytes: bytes) -> tuple[float, float]:
    """(gated RMS level, peak) of a 16-bit mono WAV, in dBFS."""
    with wave.open(io.BytesIO(wav_bytes)) as reader:
        x = np.frombuffer(reader.readframes(reader.getnframes()), "<i2").astype(np.float64) / 32767
    blocks = x[: len(x) // 2400 * 2400].reshape(-1, 2400)
    power = np.mean(blocks**2, axis=1)
    power = power[power > 1e-7]
    power = power[power > power.mean() / 10]
    return 10 * math.log10(power.mean()), 20 * math.log10(np.max(np.abs(x)))


# name: (rate, muxer, encoder, container reported, codec reported (prefix), content type)
FORMATS = {
    "wav": (44100, "wav", "pcm_s16le", "wav", "pcm_s16le", "audio/wav"),
    "mp3": (44100, "mp3", "libmp3lame", "mp3", "mp3", "audio/mpeg"),
    "flac": (44100, "flac", "flac", "flac", "flac", "audio/flac"),
    "ogg-opus": (48000, "ogg", "libopus", "ogg", "opus", "audio/ogg"),
    "m4a-aac": (44100, "ipod", "aac", "mp4", "aac", "audio/mp4"),
    "webm-opus": (48000, "webm", "libopus", "webm", "opus", "audio/webm"),
    "adts-aac": (44100, "adts", "aac", "aac", "aac", "audio/aac"),
    "aiff": (44100, "aiff", "pcm_s16be", "aiff", "pcm_s16be", "audio/aiff"),
}


@pytest.fixture(scope="module")
def encoded() -> dict[str, bytes]:
    made = {}
    for name, (rate, container, codec, *_) in FORMATS.items():
        made[name] = encode(speech(12, rate, channels=2), rate, container, codec)
    made["mp3-9.9"] = encode(speech(9.9, 44100), 44100, "mp3", "libmp3lame")
    made["webm-9.9"] = encode(speech(9.9, 48000), 48000, "webm", "libopus")
    return made


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_common_format_is_accepted_with_its_real_type_and_duration(encoded, name):
    *_, container, codec, content_type = FORMATS[name]
    sample = prepare_sample(encoded[name], declared_type="application/octet-stream", limits=LIMITS)
    assert sample.container == container
    assert sample.codec.startswith(codec)
    assert sample.content_type == content_type
    assert sample.duration_s == pytest.approx(12.0, abs=0.2)
    assert sample.channels == 2


@pytest.mark.parametrize("name", ["wav", "mp3", "m4a-aac", "webm-opus"])
def test_normalised_wav_is_mono_16_bit_24_khz_and_embedding_samples_16_khz(encoded, name):
    sample = prepare_sample(encoded[name], declared_type=None, limits=LIMITS)
    with wave.open(io.BytesIO(sample.wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 24000)
        assert reader.getnframes() / 24000 == pytest.approx(sample.duration_s, abs=0.1)
    assert sample.samples_16k.dtype == np.float32 and sample.samples_16k.ndim == 1
    assert len(sample.samples_16k) / 16000 == pytest.approx(sample.duration_s, abs=0.1)


def test_declared_type_and_name_are_never_trusted(encoded):
    sample = prepare_sample(encoded["mp3"], declared_type="audio/wav", limits=LIMITS)
    assert (sample.container, sample.content_type, sample.extension) == ("mp3", "audio/mpeg", ".mp3")


@pytest.mark.parametrize("peak", [0.05, 0.3, 1.0])
def test_loudness_is_normalised_without_clipping(peak):
    flac = encode(speech(12, 16000, peak=peak), 16000, "flac", "flac")
    sample = prepare_sample(flac, declared_type=None, limits=LIMITS)
    loudness, peak = gated_dbfs(sample.wav)
    assert peak <= samples.PEAK_CEILING_DBFS + 0.1
    if peak < 1.0:  # a full-scale signal is held back by the peak ceiling instead
        assert loudness == pytest.approx(samples.TARGET_DBFS, abs=1.0)


def test_audio_that_is_not_speech_is_refused_after_the_duration_checks():
    silence = audio.to_wav(np.zeros(12 * 16000, np.float32), 16000)
    with pytest.raises(NotSpeech, match=r"^We heard nothing in this recording"):
        prepare_sample(silence, declared_type="audio/wav", limits=LIMITS)
    with pytest.raises(AudioTooShort):
        prepare_sample(audio.to_wav(np.zeros(3 * 16000, np.float32), 16000), declared_type=None, limits=LIMITS)


def test_header_sizes_are_not_trusted():
    data = bytearray(speech_wav(12))
    struct.pack_into("<I", data, 4, 0xFFFFFFFF)  # as streaming recorders write it
    struct.pack_into("<I", data, 40, 0xFFFFFFFF)
    assert prepare_sample(bytes(data), declared_type="audio/wav", limits=LIMITS).duration_s == pytest.approx(12.0)


def _huge_claim() -> bytes:
    data = bytearray(speech_wav(3))
    struct.pack_into("<I", data, 40, 0x7FFFFFF0)  # claims about 18 hours at 16 kHz
    return bytes(data)


def _corrupt_fmt() -> bytes:
    data = bytearray(speech_wav(12))
    data[20:36] = b"\xde\xad\xbe\xef" * 4  # garbage where the fmt chunk's fields are
    return bytes(data)


def _mp3_tag_then_noise(encoded: dict[str, bytes]) -> bytes:
    mp3 = encoded["mp3"]
    tag_size = 10 + containers._syncsafe(mp3[6:10])
    return mp3[:tag_size] + np.random.default_rng(7).bytes(50_000)


TEXT = b"This is a plain text file that someone renamed to voice.wav.\n" * 40
HTML = b"<!doctype html><html><body><audio src=voice.wav></audio></body></html>"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" * 20
HLS = b"#EXTM3U\n#EXTINF:12,\nfile:///etc/passwd\n"
FTYP_ONLY = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isommp42"


def noise(seed: int, size: int) -> bytes:
    return np.random.default_rng(seed).bytes(size)


# name: (build(encoded) -> upload, declared MIME type)
NOT_AUDIO_UPLOADS = {
    "one byte": (lambda e: b"\x00", "audio/wav"),
    "text renamed .wav": (lambda e: TEXT, "audio/wav"),
    "html page": (lambda e: HTML, "audio/mpeg"),
    "png image": (lambda e: png(), "audio/wav"),
    "json": (lambda e: json.dumps({"audio": "voice.wav", "duration": 12}).encode(), "audio/ogg"),
    "pdf declared audio/mpeg": (lambda e: PDF, "audio/mpeg"),
    "zip holding a wav": (lambda e: zipped("voice.wav", speech_wav(12)), "audio/wav"),
    "random bytes": (lambda e: noise(2, 200_000), "audio/wav"),
    # these happen to start with ff e4, an MPEG audio frame header, which ffmpeg's decoder would turn into noise
    "random bytes that start like mp3": (lambda e: noise(1, 200_000), "audio/mpeg"),
    "hls playlist pointing at a local file": (lambda e: HLS, "audio/x-mpegurl"),
    "ffconcat script": (lambda e: b"ffconcat version 1.0\nfile '/etc/passwd'\n", "audio/wav"),
    "wav header only": (lambda e: speech_wav(12)[:44], "audio/wav"),
    "wav with no frames": (lambda e: audio.to_wav(np.zeros(0, np.float32), 16000), "audio/wav"),
    "wav with corrupt fmt chunk": (lambda e: _corrupt_fmt(), "audio/wav"),
    "riff avi, not wave": (lambda e: b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(4000), "audio/wav"),
    "mp3 tag then noise": (_mp3_tag_then_noise, "audio/mpeg"),
    "ogg signature then noise": (lambda e: b"OggS" + noise(3, 5000), "audio/ogg"),
    "mp4 ftyp box only": (lambda e: FTYP_ONLY, "audio/mp4"),
    "m4a cut before its index": (lambda e: e["m4a-aac"][:4096], "audio/mp4"),
    "webm signature then noise": (lambda e: b"\x1a\x45\xdf\xa3" + noise(4, 5000), "audio/webm"),
    "flac signature then noise": (lambda e: b"fLaC" + noise(5, 5000), "audio/flac"),
    "video-only mp4": (lambda e: video_only("mp4", "mpeg4"), "audio/mp4"),
    "video-only webm": (lambda e: video_only("webm", "libvpx"), "audio/webm"),
}

# name: (build(encoded) -> upload, declared MIME type, seconds shown)
TOO_SHORT_UPLOADS = {
    "9.9 s wav": (lambda e: speech_wav(9.9), "audio/wav", "9.9"),
    "9.9 s mp3": (lambda e: e["mp3-9.9"], "audio/mpeg", "9.9"),
    "9.9 s webm": (lambda e: e["webm-9.9"], "audio/webm", "9.9"),
    "wav cut to its first 6 s": (lambda e: speech_wav(12)[: 44 + 6 * 16000 * 2], "audio/wav", "6.0"),
    "mp3 cut to its first 2 KB": (lambda e: e["mp3"][:2048], "audio/mpeg", "0.1"),
    "wav claiming hours, holding 3 s": (lambda e: _huge_claim(), "audio/wav", "3.0"),
}


@pytest.mark.parametrize("name", list(NOT_AUDIO_UPLOADS))
def test_upload_that_is_not_audio_is_refused(encoded, name):
    build, declared = NOT_AUDIO_UPLOADS[name]
    with pytest.raises(NotAudio) as raised:
        prepare_sample(build(encoded), declared_type=declared, limits=LIMITS)
    assert str(raised.value) == NOT_AUDIO
    assert isinstance(raised.value, Invalid)


@pytest.mark.parametrize("name", list(TOO_SHORT_UPLOADS))
def test_too_short_upload_is_refused_with_its_decoded_duration(encoded, name):
    build, declared, shown = TOO_SHORT_UPLOADS[name]
    with pytest.raises(AudioTooShort) as raised:
        prepare_sample(build(encoded), declared_type=declared, limits=LIMITS)
    assert str(raised.value) == f"Audio too short ({shown}s). Minimum duration is 10 seconds."


def test_empty_upload_is_refused():
    with pytest.raises(EmptySample) as raised:
        prepare_sample(b"", declared_type="audio/wav", limits=LIMITS)
    assert str(raised.value) == "Please upload an audio file"


def test_upload_one_byte_over_20_mb_is_refused():
    wav = speech_wav(1)
    with pytest.raises(SampleTooLarge) as raised:
        prepare_sample(wav + bytes(20 * 1024 * 1024 + 1 - len(wav)), declared_type="audio/wav", limits=LIMITS)
    assert str(raised.value) == "Audio file exceeds the 20 MB size limit"


@pytest.mark.parametrize(
    ("build", "shown"),
    [
        pytest.param(lambda: speech_wav(301, 8000), "301.0", id="5 min 1 s wav"),
        pytest.param(lambda: encode(speech(360, 8000), 8000, "flac", "flac"), "360.0", id="6 min flac"),
    ],
)
def test_too_long_upload_is_refused(build, shown):
    with pytest.raises(AudioTooLong) as raised:
        prepare_sample(build(), declared_type="audio/wav", limits=LIMITS)
    assert str(raised.value) == f"Audio too long ({shown}s). Maximum duration is 5 minutes."


def test_statuses_follow_the_reference():
    errors = (EmptySample, SampleTooLarge, NotAudio, AudioTooShort, AudioTooLong, NotSpeech)
    assert [error.status for error in errors] == [400, 413, 422, 422, 422, 422]


def test_size_is_checked_before_anything_is_decoded():
    with pytest.raises(EmptySample):
        check_upload_size(b"", limits=LIMITS)
    with pytest.raises(SampleTooLarge):
        check_upload_size(b"\x00" * (LIMITS.max_bytes + 1), limits=LIMITS)
    check_upload_size(b"\x00" * LIMITS.max_bytes, limits=LIMITS)


def test_limits_come_from_settings(configure):
    configure(VOICE_MIN_SECONDS=5, VOICE_MAX_SECONDS=60, VOICE_MAX_BYTES=1024 * 1024, VOICE_MIN_SPEECH_SECONDS=4)
    assert prepare_sample(speech_wav(9.9), declared_type="audio/wav").duration_s == pytest.approx(9.9)
    two_seconds_then_silence = audio.to_wav(np.concatenate([speech(2)[0], np.zeros(5 * 16000, np.float32)]), 16000)
    with pytest.raises(NotSpeech, match=r"^We heard only [12]\.\d s of speech in this recording\. Record at least 4 s "):
        prepare_sample(two_seconds_then_silence, declared_type="audio/wav")
    with pytest.raises(AudioTooShort, match=r"^Audio too short \(4\.0s\)\. Minimum duration is 5 seconds\.$"):
        prepare_sample(speech_wav(4), declared_type="audio/wav")
    with pytest.raises(AudioTooLong, match=r"^Audio too long \(61\.0s\)\. Maximum duration is 1 minute\.$"):
        prepare_sample(speech_wav(61, 8000), declared_type="audio/wav")
    with pytest.raises(SampleTooLarge, match=r"^Audio file exceeds the 1 MB size limit$"):
        prepare_sample(speech_wav(40), declared_type="audio/wav")


def test_decoding_stops_shortly_past_the_maximum():
    # 60 s of audio against a 20 s limit: decoding stops a margin past 20 s, and the message still says 60 s.
    data = speech_wav(60, 8000)
    decoded = samples._decode(data, containers.WAV, stop_after=20 + samples.DECODE_MARGIN_SECONDS)
    assert decoded.stopped_early
    assert decoded.seconds < 21.5 and len(decoded.mono_24k) < 21.5 * 24000
    limits = SampleLimits(max_bytes=LIMITS.max_bytes, min_seconds=1, max_seconds=20, min_speech_seconds=1)
    with pytest.raises(AudioTooLong, match=r"^Audio too long \(60\.0s\)\. Maximum duration is 20 seconds\.$"):
        prepare_sample(data, declared_type="audio/wav", limits=limits)


def test_only_audio_containers_are_recognised():
    assert containers.sniff_container(TEXT) is None
    assert containers.sniff_container(b"#EXTM3U\n") is None
    assert containers.sniff_container(png()) is None
    assert containers.sniff_container(speech_wav(1)) is containers.WAV


def test_a_flood_of_packets_without_audio_is_refused():
    class Packet:
        def decode(self):
            return []

    class Container:
        def demux(self, stream):
            return (Packet() for _ in range(10_000_000))

    with pytest.raises(NotAudio):
        samples._decode_into(Container(), None, (), stop_after=2.0)
