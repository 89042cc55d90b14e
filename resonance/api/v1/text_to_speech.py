"""/v1/text-to-speech/{voice_id}: the whole audio in one response, or `/stream` while it is being spoken.

Both create a history item (header `history-item-id`), gated and metered exactly like a generation in the app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from resonance.api.v1 import speech, timestamps
from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, NOT_FOUND, SUBSCRIPTION, ApiProblem, route_class
from resonance.api.v1.formats import DEFAULT_FORMAT, Format, OutputFormat, parse
from resonance.api.v1.models import check_model
from resonance.api.v1.schemas import TextToSpeechRequest
from resonance.api.v1.voices import matching_out
from resonance.billing.usage import count_characters
from resonance.generations.service import VoiceUnavailable
from resonance.generations.submit import submit_generation
from resonance.orgs.api_keys import Caller
from resonance.orgs.scope import tenant_session
from resonance.speech.engine import SpeechParams
from resonance.voices import voice_settings

router = APIRouter(prefix="/text-to-speech", tags=["text-to-speech"], route_class=route_class("voice_not_found"),
                   responses={**COMMON_RESPONSES, **NOT_FOUND, **SUBSCRIPTION,
                              412: {"description": "The voice cannot speak (`voice_not_ready`): a new voice is "
                                                   "still being matched, or its matching failed. `detail.matching` "
                                                   "is the voice's `matching` (GET /v1/voices/{voice_id}); while it "
                                                   "is queued or running, `Retry-After` says when to look again",
                                    "headers": {"Retry-After": {"description": "Seconds before polling the voice",
                                                                "schema": {"type": "integer"}}}},
                              502: {"description": "Speech generation failed (`speech_failed`)"}})

AUDIO = {200: {"description": "Audio in the output format: MP3, raw 16-bit little-endian mono PCM (`pcm_*`), WAV "
                              "(`wav_*`), raw G.711 mu-law or A-law bytes (`ulaw_8000`, `alaw_8000`), Ogg Opus "
                              "(`opus_48000_*`)",
               "content": {media_type: {"schema": {"type": "string", "format": "binary"}}
                           for media_type in dict.fromkeys(parse(name).media_type for name in OutputFormat)},
               "headers": {"history-item-id": {"description": "The history item this call created",
                                               "schema": {"type": "string"}},
                           "request-id": {"description": "The history item's `request_id` (its id)",
                                          "schema": {"type": "string"}},
                           "character-cost": {"description": "Characters billed for the text (also sent as "
                                                             "`x-character-count`)",
                                              "schema": {"type": "integer"}},
                           "x-character-count": {"description": "The same as `character-cost`",
                                                 "schema": {"type": "integer"}}}}}

OutputFormatQuery = Annotated[OutputFormat, Query(
    description="`mp3_<sample rate>_<kbps>`, `pcm_<sample rate>`, `wav_<sample rate>`, `ulaw_8000`, `alaw_8000` or "
                "`opus_48000_<kbps>`")]
MATCH_POLL_S = 5  # Retry-After while a voice is being matched: a client polls the voice about this often


async def _start(caller, voice_id: str, body: TextToSpeechRequest) -> str:
    check_model(body.model_id)
    speed = body.voice_settings.speed if body.voice_settings else None
    if speed is None:  # the request's settings win; else the speed the organization stored for the voice
        speed = await run_in_threadpool(_stored_speed, caller.principal.org_id, voice_id)
    return await start(caller, voice_id, body.text, 1.0 if speed is None else speed)


def _stored_speed(org_id: str, voice_id: str) -> float | None:
    with tenant_session(org_id) as session:
        return voice_settings.stored_speed(session=session, org_id=org_id, voice_id=voice_id)


async def start(caller: Caller, voice_id: str, text: str, speed: float) -> str:
    """Queue the generation (the app's use case: validation, gate, metering) and return its id; a voice that cannot
    speak yet is 412 `voice_not_ready`. Shared with OpenAI's /v1/audio/speech."""
    try:
        return await run_in_threadpool(submit_generation, caller.principal, text, voice_id, SpeechParams(speed=speed))
    except VoiceUnavailable as error:
        if error.match is None:
            raise
        raise _not_ready(error) from None


def _not_ready(error: VoiceUnavailable) -> ApiProblem:
    """412 with the voice's match, and when to look again if it is still running."""
    match, extra = error.match, {"voice_id": error.voice_id, "matching": matching_out(error.match).model_dump()}
    if not match.pending:
        return ApiProblem(412, "voice_not_ready", str(error), extra=extra)
    message = (f"This voice is still being matched to Kokoro voices ({match.status}, "
               f"{round(match.progress * 100)}% done). Poll GET /v1/voices/{error.voice_id} until matching.status "
               "is done, then send this request again.")
    return ApiProblem(412, "voice_not_ready", message, headers={"Retry-After": str(MATCH_POLL_S)}, extra=extra)


def _headers(generation_id: str, text: str) -> dict[str, str]:
    """ElevenLabs' headers of a generation: its history item, its request id (the history item's `request_id`) and
    the characters it is billed for, under both names ElevenLabs clients read."""
    characters = str(count_characters(text))
    return {"history-item-id": generation_id, "request-id": generation_id, "character-cost": characters,
            "x-character-count": characters}


@router.post("/{voice_id}", summary="Text to speech", response_class=Response, responses=AUDIO)
async def convert(voice_id: str, body: TextToSpeechRequest, caller: CurrentCaller, request: Request,
                  output_format: OutputFormatQuery = DEFAULT_FORMAT) -> Response:
    """Speak `text` with the voice; the answer is the whole audio file."""
    fmt = parse(output_format)
    generation_id = await _start(caller, voice_id, body)
    data = await speech.whole(caller.principal.org_id, generation_id, fmt, request)
    return Response(data, media_type=fmt.media_type, headers=_headers(generation_id, body.text))


@router.post("/{voice_id}/stream", summary="Text to speech, streamed", response_class=StreamingResponse,
             responses=AUDIO)
async def stream(voice_id: str, body: TextToSpeechRequest, caller: CurrentCaller, request: Request,
                 output_format: OutputFormatQuery = DEFAULT_FORMAT) -> StreamingResponse:
    """Speak `text` with the voice, sending audio as it is produced: the first bytes follow the first sentence."""
    return await streamed(caller, await _start(caller, voice_id, body), parse(output_format), request, body.text)


TIMED = {200: {"description": "The audio in the output format, base64-encoded, with when each character of `text` is "
                              "spoken (`alignment`; `normalized_alignment` is the same: the text is spoken as "
                              "written). Timings come from speech recognition's word timestamps on the audio",
               "headers": AUDIO[200]["headers"]}}
TIMED_STREAM = {200: {"description": "Newline-delimited JSON: per chunk of speech, as it is spoken, its audio "
                                     "(`audio_base64`, in the output format) and the `alignment` of the characters "
                                     "it speaks, in seconds from the start of the whole audio",
                      "content": {"application/x-ndjson": {
                          "schema": timestamps.AudioWithTimestamps.model_json_schema()}},
                      "headers": AUDIO[200]["headers"]}}


@router.post("/{voice_id}/with-timestamps", summary="Text to speech with character timings", responses=TIMED)
async def convert_with_timestamps(voice_id: str, body: TextToSpeechRequest, caller: CurrentCaller, request: Request,
                                  response: Response,
                                  output_format: OutputFormatQuery = DEFAULT_FORMAT) -> timestamps.AudioWithTimestamps:
    """Speak `text` with the voice; the answer is JSON: the whole audio, base64, and each character's timing."""
    fmt = parse(output_format)
    generation_id = await _start(caller, voice_id, body)
    row = await speech.finished(caller.principal.org_id, generation_id, request)
    response.headers.update(_headers(generation_id, body.text))
    return await timestamps.whole(row, body.text, fmt)


@router.post("/{voice_id}/stream/with-timestamps", summary="Text to speech with character timings, streamed",
             response_class=StreamingResponse, responses=TIMED_STREAM)
async def stream_with_timestamps(voice_id: str, body: TextToSpeechRequest, caller: CurrentCaller, request: Request,
                                 output_format: OutputFormatQuery = DEFAULT_FORMAT) -> StreamingResponse:
    """Speak `text` with the voice, sending a JSON line per chunk as it is spoken: its audio and its timings."""
    fmt, generation_id = parse(output_format), await _start(caller, voice_id, body)
    first = await speech.first_chunk(caller.principal.org_id, generation_id, request)
    return StreamingResponse(timestamps.lines(first, body.text, fmt), media_type="application/x-ndjson",
                             headers=_headers(generation_id, body.text))


async def streamed(caller: Caller, generation_id: str, fmt: Format, request: Request,
                   text: str) -> StreamingResponse:
    """The generation's audio in `fmt`, sent chunk by chunk as it is spoken (answered once the first chunk is
    there, so a failure up to then is a proper error). Shared with OpenAI's /v1/audio/speech."""
    first = await speech.first_chunk(caller.principal.org_id, generation_id, request)
    return StreamingResponse(speech.chunks(first, fmt), media_type=fmt.media_type,
                             headers=_headers(generation_id, text))

