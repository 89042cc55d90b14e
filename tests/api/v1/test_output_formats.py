"""Every output format ElevenLabs' SDK lists for text to speech, through the SDK, whole and streamed: the bytes decode
(with FFmpeg, through PyAV) to the asked codec and rate, mono, as long as what was spoken, and not silence; the
media type says what they are. (MP3 and PCM in detail: test_text_to_speech.py.)"""

from __future__ import annotations

import typing

import httpx
import pytest
from elevenlabs.text_to_speech.types.text_to_speech_convert_request_output_format import (
    TextToSpeechConvertRequestOutputFormat,
)
from elevenlabs.text_to_speech.types.text_to_speech_stream_request_output_format import (
    TextToSpeechStreamRequestOutputFormat,
)

from resonance.api.v1.formats import OutputFormat, parse
from resonance.generations.models import Generation
from tests.api.v1.decoding import decode
from tests.api.v1.test_text_to_speech import TEXT, only_generation, stored_samples
from tests.factories import all_rows
from tests.fakes import RATE

# codec → (FFmpeg's container, its decoder) as PyAV reports them
EXPECTED = {"wav": ("wav", "pcm_s16le"), "ulaw": ("mulaw", "pcm_mulaw"), "alaw": ("alaw", "pcm_alaw"),
            "opus": ("ogg", "opus"), "mp3": ("mp3", "mp3float"), "pcm": ("s16le", "pcm_s16le")}
MEDIA_TYPES = {"wav": "audio/wav", "ulaw": "audio/basic", "alaw": "audio/x-alaw-basic", "opus": "audio/ogg",
               "mp3": "audio/mpeg", "pcm": "audio/pcm"}
NEW = [name for name in OutputFormat if parse(name).codec in ("wav", "ulaw", "alaw", "opus")]


def sdk_formats(alias) -> set[str]:
    literal, _ = typing.get_args(alias)
    return set(typing.get_args(literal))


def test_every_format_the_sdk_lists_is_offered_and_nothing_else():
    assert sdk_formats(TextToSpeechConvertRequestOutputFormat) == {str(name) for name in OutputFormat}
    assert sdk_formats(TextToSpeechStreamRequestOutputFormat) <= {str(name) for name in OutputFormat}


def check(data: bytes, name: str, generation_id: str) -> None:
    fmt = parse(name)
    raw = fmt.codec if fmt.codec in ("pcm", "ulaw", "alaw") else None
    decoded = decode(data, raw, fmt.sample_rate)
    assert (decoded.container, decoded.codec) == EXPECTED[fmt.codec]
    assert (decoded.rate, decoded.channels) == (fmt.sample_rate, 1)
    spoken = stored_samples(generation_id) / RATE
    assert spoken > 0.5 and abs(decoded.seconds - spoken) < 0.1
    assert decoded.rms > 0.05  # the 0.2-amplitude tone: about 0.14 RMS, after a codec's loss


@pytest.mark.parametrize("name", NEW)
def test_whole_file_decodes_to_the_asked_format(team, system_voice, engine, runner, name):
    data = b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT, output_format=name))
    check(data, name, only_generation(team.org.id).id)


@pytest.mark.parametrize("name", NEW)
def test_stream_decodes_to_the_asked_format(team, system_voice, engine, runner, name):
    data = b"".join(team.client.text_to_speech.stream(system_voice.id, text=TEXT, output_format=name))
    check(data, name, only_generation(team.org.id).id)


@pytest.mark.parametrize("path", ["", "/stream"])
def test_media_types_say_what_the_bytes_are(team, system_voice, engine, runner, base_url, path):
    for codec, name in {parse(n).codec: n for n in OutputFormat}.items():
        response = httpx.post(f"{base_url}/v1/text-to-speech/{system_voice.id}{path}", params={"output_format": name},
                              json={"text": "Hello there."}, headers={"xi-api-key": team.secret}, timeout=30)
        assert response.status_code == 200 and response.headers["content-type"] == MEDIA_TYPES[codec], name
    assert len(all_rows(Generation, org_id=team.org.id)) == len(MEDIA_TYPES)


def test_a_whole_wav_file_has_its_real_sizes_and_a_streamed_one_reads_until_the_end(team, system_voice, engine,
                                                                                     runner):
    whole = b"".join(team.client.text_to_speech.convert(system_voice.id, text=TEXT, output_format="wav_16000"))
    assert int.from_bytes(whole[4:8], "little") == len(whole) - 8
    streamed = b"".join(team.client.text_to_speech.stream(system_voice.id, text=TEXT, output_format="wav_16000"))
    assert streamed[4:8] == b"\xff\xff\xff\xff"  # unknown when the header left: "until the end of the stream"
    assert streamed[:4] == b"RIFF" and streamed[8:12] == b"WAVE"


@pytest.mark.parametrize("name", ["mp3_44100_320", "opus_24000_64", "wav_11025", "ulaw_16000", "flac_24000"])
def test_an_unsupported_format_is_422_in_elevenlabs_shape(team, system_voice, engine, runner, base_url, name):
    response = httpx.post(f"{base_url}/v1/text-to-speech/{system_voice.id}", params={"output_format": name},
                          json={"text": "Hi."}, headers={"xi-api-key": team.secret})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["status"] == "invalid_request" and detail["message"].startswith("output_format: Input should be")
    assert all_rows(Generation, org_id=team.org.id) == []
