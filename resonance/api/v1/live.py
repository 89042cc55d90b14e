"""WS /v1/text-to-speech/{voice_id}/stream-input: ElevenLabs' text-to-speech WebSocket (the SDK's
`convert_realtime`). Text arrives in pieces; audio leaves as each sentence (or the schedule's number of characters)
is complete. The protocol, as ElevenLabs documents it:

- query: `model_id`, `output_format` (every format of the HTTP routes), `inactivity_timeout` (seconds, 1–180,
  default 20), `auto_mode`, `sync_alignment` (character timings with each audio message); ElevenLabs' other
  parameters are accepted and ignored;
- the key in the `xi-api-key` header (or `Authorization: Bearer`), else in the first message (`xi-api-key`,
  `xi_api_key` or `authorization`); checked, with the key's rate limit, before anything else;
- first message `{"text": " ", "voice_settings"?, "generation_config": {"chunk_length_schedule"}?}`, then
  `{"text": "…", "flush"?, "try_trigger_generation"?}`; `{"text": ""}` ends the input;
- answers `{"audio": base64, "isFinal": null, "alignment", "normalizedAlignment"}`, and at the end the rest of the
  buffer, `{"isFinal": true}` and a normal close (1000);
- an error is one message `{"message", "error", "code"}`, then a close with that code: 1008 (policy violation) for
  the client's errors, as ElevenLabs does, 1009 for a message too large, 1011 for a failure of ours.

The whole connection is one history item, billed once with the characters spoken (resonance/generations/live.py),
written before the final message or error is sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging

from fastapi import APIRouter, WebSocket
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.websockets import WebSocketDisconnect

from resonance.api.v1 import auth, errors, timestamps
from resonance.api.v1.formats import Encoder, OutputFormat, parse
from resonance.api.v1.models import check_model
from resonance.api.v1.schemas import VoiceSettings
from resonance.core import logs
from resonance.core.errors import Invalid
from resonance.core.failures import report
from resonance.generations import live
from resonance.speech.engine import SpeechParams
from resonance.speech.registry import get_engine

router = APIRouter(prefix="/text-to-speech", tags=["text-to-speech"])
log = logging.getLogger("resonance.api")

MAX_MESSAGE_BYTES = 64 * 1024  # a message's text is at most the 5,000 characters of a session, JSON-escaped
INACTIVITY_DEFAULT_S, INACTIVITY_MAX_S = 20, 180
POLICY, TOO_BIG, INTERNAL, NORMAL = 1008, 1009, 1011, 1000


class Gone(Exception):
    """The client closed the connection."""


class Options(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_id: str | None = None
    output_format: OutputFormat = OutputFormat.MP3_44100_128
    inactivity_timeout: int = INACTIVITY_DEFAULT_S
    auto_mode: bool = False
    sync_alignment: bool = False


def _options(query: dict[str, str]) -> Options:
    try:
        options = Options.model_validate(query)
    except ValidationError as error:
        issue = error.errors()[0]
        raise Invalid(f"{'.'.join(map(str, issue['loc'])) or 'query'}: {issue['msg']}") from None
    if not 1 <= options.inactivity_timeout <= INACTIVITY_MAX_S:
        raise Invalid(f"inactivity_timeout must be 1–{INACTIVITY_MAX_S} seconds")
    check_model(options.model_id)
    return options


@router.websocket("/{voice_id}/stream-input")
async def stream_input(websocket: WebSocket, voice_id: str) -> None:
    token = logs.begin(logs.new_request_id())  # the HTTP middleware gives websockets no id: their lines get one
    try:
        await websocket.accept()
        await Session(websocket, voice_id).run()
    finally:
        logs.end(token)


class Session:
    def __init__(self, websocket: WebSocket, voice_id: str):
        self.ws, self.voice_id = websocket, voice_id
        self.engine = get_engine()
        self.text, self.audio = live.LiveText(), live.LiveAudio()
        self.caller = self.voice = self.options = self.encoder = None
        self.params = SpeechParams()

    async def run(self) -> None:
        try:
            first = await self._open()
            await self._handle(first)
            while True:
                message = await self._receive()
                if message.get("text") == "":
                    break
                await self._handle(message)
            await self._speak(self.text.take(flush=True))
            # An encoder that was fed nothing has nothing to finish (LAME refuses to flush then).
            tail = await run_in_threadpool(self.encoder.finish) if self.audio.parts else b""
            if tail:
                await self._send_audio(tail)
            await self._record()
            await self.ws.send_json({"isFinal": True})
            await self.ws.close(NORMAL)
        except Gone:
            await self._record()
        except Exception as error:  # noqa: BLE001 - every failure is answered in the protocol's shape
            await self._record()
            await self._refuse(error)

    async def _open(self) -> dict:
        """Authenticate (header, else the first message), then the query, the voice and the first message's
        settings; returns the first message."""
        headers, first = self.ws.headers, None
        key = auth.bearer_key(headers.get("authorization"), headers.get(auth.HEADER))
        if key is None:
            first = await self._receive(INACTIVITY_DEFAULT_S)
            key = first.get("xi-api-key") or first.get("xi_api_key") or _bearer(first.get("authorization"))
        self.caller = await run_in_threadpool(
            auth.admit, key, f"the {auth.HEADER} header or the first message's xi-api-key")
        self.options = _options(dict(self.ws.query_params))
        self.encoder = Encoder(parse(self.options.output_format))
        self.voice = await run_in_threadpool(live.open_live, self.caller.principal, self.voice_id,
                                             self.engine.capabilities)
        first = first if first is not None else await self._receive()
        settings = _model(VoiceSettings, first.get("voice_settings") or {}, "voice_settings")
        self.params = SpeechParams(speed=settings.speed if settings.speed is not None else 1.0)
        schedule = (first.get("generation_config") or {}).get("chunk_length_schedule")
        self.text = live.LiveText(live.check_schedule(schedule) if schedule is not None else live.DEFAULT_SCHEDULE,
                                  auto=self.options.auto_mode)
        return first

    async def _receive(self, timeout: float | None = None) -> dict:
        timeout = timeout or self.options.inactivity_timeout
        try:
            message = await asyncio.wait_for(self.ws.receive(), timeout)
        except TimeoutError:
            raise errors.ApiProblem(408, "input_timeout_exceeded", (
                f"Have not received a new text input within the timeout of {timeout:g} seconds. Streaming input "
                "terminated. Send text (a single space keeps the connection open) or the end of input "
                "(an empty string) sooner.")) from None
        if message["type"] == "websocket.disconnect":
            raise Gone()
        raw = message.get("text")
        raw = raw.encode() if raw is not None else message.get("bytes") or b""
        if len(raw) > MAX_MESSAGE_BYTES:
            raise errors.ApiProblem(413, "message_too_large",
                                    f"A message may be at most {MAX_MESSAGE_BYTES // 1024} kB.")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise errors.ApiProblem(422, "invalid_input_message", 'Each message must be a JSON object with a '
                                                                  '"text" string.')
        return body

    async def _handle(self, message: dict) -> None:
        self.text.add(message["text"])
        flush = message.get("flush") is True
        while (part := self.text.take(flush=flush)) is not None:
            await self._speak(part)

    async def _speak(self, part: str | None) -> None:
        """Speak a part of the text, sending each engine chunk's audio as soon as it is ready."""
        if part is None or not live.sayable(part):
            return
        chunks = await run_in_threadpool(self.engine.synthesize, part, self.voice.engine_voice, self.params)
        while (chunk := await run_in_threadpool(next, chunks, None)) is not None:
            self.audio.add(chunk.samples, chunk.sample_rate)
            data = await run_in_threadpool(self.encoder.feed, chunk.samples, chunk.sample_rate)
            timing = None
            if self.options.sync_alignment:
                timing = _timing(await run_in_threadpool(timestamps.timed, chunk.text, chunk.samples,
                                                         chunk.sample_rate))
            if data or timing:
                await self._send_audio(data, timing)

    async def _send_audio(self, data: bytes, timing: dict | None = None) -> None:
        try:
            await self.ws.send_json({"audio": base64.b64encode(data).decode(), "isFinal": None,
                                     "normalizedAlignment": timing, "alignment": timing})
        except (WebSocketDisconnect, RuntimeError, OSError):
            raise Gone() from None

    async def _record(self) -> None:
        if self.voice is None:
            return
        try:
            await run_in_threadpool(live.record_live, self.caller.principal, self.voice, self.text, self.audio,
                                    params=self.params, capabilities=self.engine.capabilities)
        except Exception as error:  # noqa: BLE001 - the audio was delivered; the failure is logged, not lost
            report(log, error, "", "the history item of a live session failed")

    async def _refuse(self, error: Exception) -> None:
        """The error message in ElevenLabs' shape, with the same names as the HTTP routes' `detail.status`,
        then the close."""
        answer = errors.from_error(error, not_found="voice_not_found")
        detail = json.loads(answer.body)["detail"]
        code = TOO_BIG if answer.status_code == 413 else INTERNAL if answer.status_code >= 500 else POLICY
        try:
            await self.ws.send_json({"message": detail["message"], "error": detail["status"], "code": code})
            await self.ws.close(code, reason=detail["status"])
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client left first


def _bearer(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else value.strip() or None


def _model(model: type[BaseModel], value: object, name: str):
    try:
        return model.model_validate(value)
    except ValidationError as error:
        issue = error.errors()[0]
        raise Invalid(f"{name}.{'.'.join(map(str, issue['loc']))}: {issue['msg']}") from None


def _timing(alignment) -> dict:
    """Character timings of one audio message, in milliseconds from its start, in ElevenLabs' shape."""
    starts = [round(s * 1000) for s in alignment.starts]
    return {"chars": alignment.characters, "charStartTimesMs": starts,
            "charDurationsMs": [max(0, round(e * 1000) - s) for s, e in zip(starts, alignment.ends)]}
