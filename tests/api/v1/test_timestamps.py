"""Text to speech with character timings through the SDK (`convert_with_timestamps`, `stream_with_timestamps`),
spoken by the real Kokoro engine: every character of the text in order, times that never go back, the last end at
the end of the audio, and each word where Whisper hears it in the audio sent; billed, gated and guarded exactly like
plain text to speech (the stand-in engine)."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from elevenlabs.core.api_error import ApiError

from resonance.billing.models import UsageRecord
from resonance.generations.models import Generation
from resonance.speech import audio
from resonance.voices.likeness.intelligibility import heard_words
from tests.api.v1.conftest import billing_on
from tests.api.v1.decoding import decode
from tests.api.v1.test_kokoro import STORY
from tests.factories import all_rows
from tests.generations.conftest import ready_voice

WORD_TOLERANCE_S = 0.6


def check(text: str, characters: list[str], starts: list[float], ends: list[float], pcm: bytes) -> None:
    assert "".join(characters) == text and len(starts) == len(ends) == len(text)
    assert all(b >= a for a, b in zip(starts, starts[1:])) and all(e >= s for s, e in zip(starts, ends))
    samples = np.frombuffer(pcm, "<i2").astype(np.float32) / 32767
    seconds = len(samples) / 24000
    assert abs(ends[-1] - seconds) < 0.5
    heard = [(re.sub(r"[^a-z]", "", word.lower()), start)
             for word, start, _ in heard_words(audio.resample(samples, 24000, 16000))]
    spoken = [(m.group().lower(), starts[m.start()]) for m in re.finditer(r"[A-Za-z]+", text)]
    assert len(heard) >= len(spoken) - 1
    cursor, gaps = 0, []
    for word, start in spoken:
        match = next((i for i in range(cursor, len(heard)) if heard[i][0] == word), None)
        if match is None:
            continue  # Whisper misheard it: nothing to compare with
        assert abs(heard[match][1] - start) < WORD_TOLERANCE_S, (word, heard[match][1], start)
        gaps.append(abs(heard[match][1] - start))
        cursor = match + 1
    assert len(gaps) >= len(spoken) * 3 // 4  # most words compared
    print(f"\n{len(gaps)}/{len(spoken)} words compared, largest difference {max(gaps):.2f} s, audio {seconds:.1f} s")


def test_whole_audio_with_character_timings(team, system_voice, kokoro, runner):
    reply = team.client.text_to_speech.convert_with_timestamps(system_voice.id, text=STORY, output_format="pcm_24000")
    alignment = reply.alignment
    assert reply.normalized_alignment == alignment
    check(STORY, alignment.characters, alignment.character_start_times_seconds,
          alignment.character_end_times_seconds, base64.b64decode(reply.audio_base_64))


def test_streamed_chunks_each_with_the_timings_of_their_part(team, system_voice, kokoro, runner):
    chunks = list(team.client.text_to_speech.stream_with_timestamps(system_voice.id, text=STORY,
                                                                     output_format="pcm_24000"))
    assert len(chunks) >= 3 and all(chunk.alignment.characters for chunk in chunks)
    check(STORY, [c for chunk in chunks for c in chunk.alignment.characters],
          [t for chunk in chunks for t in chunk.alignment.character_start_times_seconds],
          [t for chunk in chunks for t in chunk.alignment.character_end_times_seconds],
          b"".join(base64.b64decode(chunk.audio_base_64) for chunk in chunks))


def test_mp3_with_timestamps_decodes_to_the_timed_audio(team, system_voice, kokoro, runner):
    text = "Timed speech in MP3."
    reply = team.client.text_to_speech.convert_with_timestamps(system_voice.id, text=text)
    decoded = decode(base64.b64decode(reply.audio_base_64))
    assert decoded.codec.startswith("mp3") and "".join(reply.alignment.characters) == text
    assert abs(reply.alignment.character_end_times_seconds[-1] - decoded.seconds) < 0.5


def test_timed_calls_are_metered_gated_and_guarded_like_plain_speech(team, rival, system_voice, engine, runner,
                                                                      configure):
    billing_on(configure, team.org, active=True)
    text = "  Hello there, API.  "  # the request's text is timed as sent; 17 characters are billed, as for convert
    reply = team.client.text_to_speech.convert_with_timestamps(system_voice.id, text=text, output_format="pcm_8000")
    chunks = list(team.client.text_to_speech.stream_with_timestamps(system_voice.id, text=text))
    assert "".join(reply.alignment.characters) == text
    assert "".join(c for chunk in chunks for c in chunk.alignment.characters) == text
    usages = all_rows(UsageRecord, org_id=team.org.id)
    assert sorted(u.characters for u in usages) == [17, 17] and len(all_rows(Generation, org_id=team.org.id)) == 2

    theirs = ready_voice(rival.org, name="Theirs")
    for call in (team.client.text_to_speech.convert_with_timestamps,
                 lambda *a, **k: list(team.client.text_to_speech.stream_with_timestamps(*a, **k))):
        with pytest.raises(ApiError) as error:
            call(theirs.id, text="Hi.", request_options={"max_retries": 0})
        assert error.value.status_code == 404 and error.value.body["detail"]["status"] == "voice_not_found"

    billing_on(configure, rival.org, active=False)
    with pytest.raises(ApiError) as error:
        rival.client.text_to_speech.convert_with_timestamps(theirs.id, text="Hi.", request_options={"max_retries": 0})
    assert error.value.status_code == 402 and all_rows(Generation, org_id=rival.org.id) == []
