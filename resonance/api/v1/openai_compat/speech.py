"""POST /v1/audio/speech in OpenAI's shape: the same generation as POST /v1/text-to-speech/{voice_id}/stream (one
history item, gated, metered and rate limited alike), streamed back as it is spoken.

- `model`: `tts-1`, `tts-1-hd`, `gpt-4o-mini-tts…` and Resonance's own ids all mean the configured engine;
- `voice`: a voice id, a voice name, or one of OpenAI's voice names (see `voices`);
- `response_format`: mp3 (24 kHz, 128 kbps), opus (Ogg, 48 kHz), aac (ADTS, 24 kHz), flac, wav (16-bit, 24 kHz;
  streamed, so its RIFF sizes read 0xFFFFFFFF) and pcm (raw 24 kHz 16-bit little-endian mono, as OpenAI sends it);
- `speed`: OpenAI's 0.25–4.0 is accepted; the engine speaks 0.5–2.0, so a value beyond is spoken at the nearest end;
- `instructions` is accepted and ignored (the engine takes no style prompt);
- `input`: at most MAX_CHARS characters, Resonance's limit for every generation (OpenAI's own is 4,096).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from resonance.api.v1.auth import BearerCaller
from resonance.api.v1.formats import Format
from resonance.api.v1.models import ALIAS_PREFIX
from resonance.api.v1.openai_compat.errors import RESPONSES, OpenAIProblem, OpenAIRoute
from resonance.api.v1.openai_compat.voices import resolve
from resonance.api.v1.schemas import MODEL_ID
from resonance.api.v1.text_to_speech import start, streamed
from resonance.core import text_input
from resonance.generations.service import MAX_CHARS
from resonance.speech.engine import PARAM_RANGES

router = APIRouter(prefix="/audio", tags=["openai"], route_class=OpenAIRoute, responses=RESPONSES)

OPENAI_MODELS = ("tts-1", "tts-1-hd")
OPENAI_MODEL_PREFIX = "gpt-4o-mini-tts"
RATE = 24_000  # OpenAI's speech is 24 kHz; pcm is documented as such
RESPONSE_FORMATS = {
    "mp3": Format("mp3", RATE, 128),
    "opus": Format("opus", 48_000, 64),  # Opus always decodes at 48 kHz
    "aac": Format("aac", RATE, 64),
    "flac": Format("flac", RATE),
    "wav": Format("wav", RATE),
    "pcm": Format("pcm", RATE),
}
ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


class VoiceRef(BaseModel):
    """OpenAI's custom voice object."""

    id: str


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(description=f"`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts…` or `{MODEL_ID}`: all the configured "
                                   "speech engine")
    input: str = Field(max_length=MAX_CHARS, description=f"The text to speak, at most {MAX_CHARS:,} characters "
                                                         "(OpenAI's limit is 4,096)")
    voice: str | VoiceRef = Field(description="A voice id, a voice name (the organization's own voices first, then "
                                              "the built-in ones; any case), an OpenAI voice name (alloy, ash, "
                                              "ballad, cedar, coral, echo, fable, marin, nova, onyx, sage, shimmer, "
                                              "verse: a built-in voice of similar character), or `{\"id\": …}`")
    response_format: ResponseFormat = "mp3"
    speed: float = Field(1.0, ge=0.25, le=4.0, description="0.25–4.0; the engine speaks 0.5–2.0, so values beyond "
                                                           "are spoken at the nearest end")
    instructions: str | None = Field(None, description="Accepted and ignored")
    stream_format: Literal["audio"] = Field("audio", description="`audio` only: server-sent events are not offered")


def _check_model(model: str) -> None:
    if text_input.is_line(model) and (model in (MODEL_ID, *OPENAI_MODELS) or model.startswith(OPENAI_MODEL_PREFIX)
                                      or model.startswith(ALIAS_PREFIX)):
        return
    raise OpenAIProblem(422, "model_not_found", f"Unknown model {model!r}: use 'tts-1', 'tts-1-hd', "
                                                f"'gpt-4o-mini-tts' or {MODEL_ID!r}", param="model")


def _engine_speed(speed: float) -> float:
    _, low, high, _ = PARAM_RANGES["speed"]
    return min(max(speed, low), high)


AUDIO = {200: {"description": "The audio, streamed while it is spoken",
               "content": {fmt.media_type: {"schema": {"type": "string", "format": "binary"}}
                           for fmt in RESPONSE_FORMATS.values()}}}


@router.post("/speech", summary="Text to speech (OpenAI-compatible)", response_class=StreamingResponse,
             responses=AUDIO)
async def create_speech(body: SpeechRequest, caller: BearerCaller, request: Request) -> StreamingResponse:
    """OpenAI's `audio.speech.create`: speak `input` with `voice`, streamed in `response_format`."""
    _check_model(body.model)
    named = body.voice.id if isinstance(body.voice, VoiceRef) else body.voice
    voice_id = await run_in_threadpool(resolve, caller.principal.org_id, named)
    if voice_id is None:
        raise OpenAIProblem(404, "voice_not_found", f"Voice {named!r} not found: use a voice id or name from "
                                                    "GET /v1/voices, or an OpenAI voice name", param="voice")
    fmt = RESPONSE_FORMATS[body.response_format]
    generation_id = await start(caller, voice_id, body.input, _engine_speed(body.speed))
    return await streamed(caller, generation_id, fmt, request, body.input)
