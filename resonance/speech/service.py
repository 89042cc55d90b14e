"""Our speech service: the /generate contract served over the default engine (Kokoro).

    python -m resonance.speech.service --host 127.0.0.1 --port 8100

The real peer of the remote engine in tests, and the scale-out worker. Requests need `x-api-key` equal to
RESONANCE_SPEECH_API_KEY (empty: every request is refused, 403). The reference audio of a voice is in shared storage
at `voice_key`; how Kokoro speaks it is in the sidecar `<voice_key>.voice.json` ({"engine": "kokoro", "spec": ...}).
Beyond the contract: `GET /capabilities` says what the engine really uses, `speed` is accepted, `GET /health`.
"""

from __future__ import annotations

import argparse
import logging
import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from resonance.speech import audio
from resonance.speech.engine import (
    EngineVoice,
    SpeechInputError,
    SpeechParams,
    VoiceNotFound,
    decode_sidecar,
    sidecar_key,
)
from resonance.speech.kokoro import KokoroEngine

log = logging.getLogger(__name__)


class GenerateRequest(BaseModel):
    """The /generate body, with the contract's constraints and defaults."""

    prompt: str = Field(min_length=1, max_length=5000, description="Text to speak; tags such as [chuckle] allowed")
    voice_key: str = Field(min_length=1, max_length=300, description="Storage key of the voice's reference audio")
    temperature: float = Field(0.8, ge=0.0, le=2.0)
    top_p: float = Field(0.95, ge=0.0, le=1.0)
    top_k: int = Field(1000, ge=1, le=10000)
    repetition_penalty: float = Field(1.2, ge=1.0, le=2.0)
    norm_loudness: bool = Field(True, description="Normalise loudness for consistent volume across generations")
    speed: float = Field(1.0, ge=0.5, le=2.0, description="Extension: speaking rate (Kokoro)")


def build_speech_app(*, storage: Any = None, api_key: str | None = None, engine: KokoroEngine | None = None) -> FastAPI:
    """The service app. Defaults: `get_storage()`, RESONANCE_SPEECH_API_KEY, Kokoro in this process."""
    if api_key is None:
        from resonance.core.config import get_settings

        api_key = get_settings().SPEECH_API_KEY
    if storage is None:
        from resonance.storage import get_storage

        storage = get_storage()
    engines = {True: engine or KokoroEngine(), False: KokoroEngine(normalize=False)}

    def check_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if not api_key or not x_api_key or not secrets.compare_digest(x_api_key.encode(), api_key.encode()):
            raise HTTPException(status_code=403, detail="Invalid API key")

    app = FastAPI(title="Resonance speech service",
                  description="Text-to-speech over Kokoro-82M (the /generate contract of the Chatterbox TTS API)")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/capabilities", dependencies=[Depends(check_key)])
    def capabilities() -> dict:
        return engines[True].capabilities.as_dict()

    @app.post("/generate", dependencies=[Depends(check_key)], response_class=Response,
              responses={200: {"content": {"audio/wav": {}}}})
    def generate(request: GenerateRequest) -> Response:
        voice = EngineVoice(voice_key=request.voice_key, spec=_resolve(storage, request.voice_key))
        try:
            params = SpeechParams(temperature=request.temperature, top_p=request.top_p, top_k=request.top_k,
                                  repetition_penalty=request.repetition_penalty, speed=request.speed)
            chunks = list(engines[request.norm_loudness].synthesize(request.prompt, voice, params))
        except SpeechInputError as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        except VoiceNotFound as error:
            return JSONResponse({"detail": f"Voice not found at '{request.voice_key}': {error}"}, status_code=400)
        except Exception as error:
            log.exception("Speech service failed")
            return JSONResponse({"detail": f"Failed to generate audio: {error}"}, status_code=500)
        rate = chunks[0].sample_rate
        return Response(audio.to_wav(audio.concat((c.samples for c in chunks), rate), rate), media_type="audio/wav")

    return app


def _resolve(storage: Any, voice_key: str):
    """The Kokoro spec for the voice at `voice_key`; 400 when its audio or its spec is not in storage."""
    not_found = HTTPException(status_code=400, detail=f"Voice not found at '{voice_key}'")
    try:
        if not storage.exists(voice_key) or not storage.exists(sidecar_key(voice_key)):
            raise not_found
        data = storage.get(sidecar_key(voice_key))
    except HTTPException:
        raise
    except Exception as error:  # an invalid key, or the object vanished in between
        if isinstance(error, ValueError) or type(error).__name__ in ("NotFound", "InvalidKey", "KeyError"):
            raise not_found from None
        raise HTTPException(status_code=500, detail=f"Failed to generate audio: storage: {error}") from None
    try:
        return decode_sidecar(data)
    except VoiceNotFound:
        raise not_found from None


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Resonance speech service (the /generate contract over Kokoro)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    from resonance.core import logs

    logs.configure()  # as the app logs: JSON in production; request logs carry no x-api-key
    app = build_speech_app()
    # Load before listening, so the first request is not the slow one; on a GPU host (onnxruntime-gpu installed)
    # RESONANCE_SPEECH_DEVICE=auto or cuda puts it on CUDAExecutionProvider, one chunk at a time.
    from resonance.core.config import get_settings

    model = KokoroEngine().load()
    log.info("Kokoro ready on %s (RESONANCE_SPEECH_DEVICE=%s)", model.providers[0], get_settings().SPEECH_DEVICE)
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
