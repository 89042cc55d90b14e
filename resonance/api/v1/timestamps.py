"""Character timings for /v1/text-to-speech/{voice_id}/with-timestamps and its stream, in ElevenLabs' shapes.

Timings come from Whisper tiny.en's word timestamps on the spoken audio (resonance/speech/alignment.py says why and
how); the stream times each chunk as it is stored, against the part of the text that chunk speaks.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import numpy as np
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from resonance.api.v1 import speech
from resonance.api.v1.formats import Encoder, Format, encode
from resonance.generations.models import Generation
from resonance.speech import audio, text as speech_text
from resonance.speech.alignment import Alignment, Heard, align, piece_spans
from resonance.voices.likeness.intelligibility import heard_words

WHISPER_RATE = 16_000


class CharacterAlignment(BaseModel):
    characters: list[str]
    character_start_times_seconds: list[float]
    character_end_times_seconds: list[float]


class AudioWithTimestamps(BaseModel):
    audio_base64: str
    alignment: CharacterAlignment
    normalized_alignment: CharacterAlignment


def timed(text: str, samples: np.ndarray, rate: int) -> Alignment:
    """When each character of `text` is spoken in `samples`."""
    heard = [Heard(*word) for word in heard_words(audio.resample(samples, rate, WHISPER_RATE))] if text.strip() else []
    return align(text, heard, len(samples) / rate)


def body(data: bytes, alignment: Alignment) -> AudioWithTimestamps:
    """The response (or a stream line); the text is spoken as written, so the normalized alignment is the same."""
    shaped = CharacterAlignment(characters=alignment.characters,
                                              character_start_times_seconds=alignment.starts,
                                              character_end_times_seconds=alignment.ends)
    return AudioWithTimestamps(audio_base64=base64.b64encode(data).decode(), alignment=shaped,
                               normalized_alignment=shaped)


async def whole(row: Generation, text: str, fmt: Format) -> AudioWithTimestamps:
    """`row`'s finished audio in `fmt` with the timings of `text` (the request's text)."""
    samples, rate = await run_in_threadpool(speech.stored_audio, row.object_key)
    data = await run_in_threadpool(encode, samples, rate, fmt)
    return body(data, await run_in_threadpool(timed, text, samples, rate))


async def lines(row: Generation, text: str, fmt: Format) -> AsyncIterator[bytes]:
    """One JSON line per stored chunk: its audio in `fmt` and the timings of the part of `text` it speaks, counted
    from the start of the whole audio; the encoder's tail, if any, follows in a
    line of its own with no characters."""
    spans = piece_spans(text, speech_text.split(speech_text.prepare(text, keep_tags=True)))
    encoder, index, offset = Encoder(fmt), 0, 0.0
    async for samples, rate in speech.stored_chunks(row):
        data = await run_in_threadpool(encoder.feed, samples, rate)
        a, b = spans[index] if index < len(spans) else (len(text), len(text))
        alignment = (await run_in_threadpool(timed, text[a:b], samples, rate)).shifted(offset)
        yield _line(body(data, alignment))
        index, offset = index + 1, offset + len(samples) / rate
    tail = encoder.finish()
    if tail:
        yield _line(body(tail, Alignment([], [], [])))


def _line(item: AudioWithTimestamps) -> bytes:
    return (json.dumps(item.model_dump()) + "\n").encode()
