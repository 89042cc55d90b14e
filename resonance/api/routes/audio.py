"""Audio behind the session: generations and voice samples, tenant-checked on every request (never /_upload)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from resonance.api.deps import MaybePrincipal
from resonance.api.ranges import FETCH_FAILED, log, serve_object
from resonance.core import text_input
from resonance.core.failures import report
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.voices.models import Voice, VoiceVariant

router = APIRouter()



NOT_READY = "Audio is not available yet"


def _find(principal, model, row_id: str):
    """The row, read in the principal's tenant session, or the reference's 401/404 answer."""
    if principal is None or principal.org_id is None:
        return PlainTextResponse("Unauthorized", status_code=401)
    if not text_input.is_line(row_id):
        return PlainTextResponse("Not found", status_code=404)
    with tenant_session(principal.org_id) as session:
        row = session.get(model, row_id)
    return row if row is not None else PlainTextResponse("Not found", status_code=404)


@router.get("/api/audio/{generation_id}")
def generation_audio(generation_id: str, request: Request, principal: MaybePrincipal,
                     download: str = "", format: str = "wav") -> Response:
    """The finished audio of a generation (`?download=1` as a file; `?format=mp3` converts)."""
    generation = _find(principal, Generation, generation_id)
    if isinstance(generation, Response):
        return generation
    if generation.object_key is None:
        return PlainTextResponse(NOT_READY, status_code=409)
    name = files.download_name(generation.text, "mp3" if format == "mp3" else "wav") if download else None
    if format == "mp3":
        return _mp3(generation.object_key, filename=name)
    return serve_object(generation.object_key, range_header=request.headers.get("range"), content_type="audio/wav",
                        cache_control="private, max-age=3600", filename=name)


def _mp3(key: str, *, filename: str | None) -> Response:
    """The WAV converted to 128 kb/s MP3 for download (converted on request: MP3s are rare and cheap to make)."""
    try:
        body = audio.wav_to_mp3(get_storage().get(key))
    except Exception as error:  # noqa: BLE001 - storage unreachable or object gone: the reference's 502
        return PlainTextResponse(report(log, error, FETCH_FAILED, "converting %s to MP3 failed", key), status_code=502)
    headers = {"Cache-Control": "private, max-age=3600"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type="audio/mpeg", headers=headers)


@router.get("/api/audio/{generation_id}/chunks/{index}")
def generation_chunk(generation_id: str, index: int, request: Request, principal: MaybePrincipal) -> Response:
    """One finished chunk of a generation still in progress, so playback starts before the rest is done."""
    generation = _find(principal, Generation, generation_id)
    if isinstance(generation, Response):
        return generation
    if index < 0:
        return PlainTextResponse("Not found", status_code=404)
    if index >= generation.chunks_done:
        return PlainTextResponse(NOT_READY, status_code=409)
    return serve_object(files.chunk_key(generation, index), range_header=request.headers.get("range"),
                        content_type="audio/wav", cache_control="private, max-age=3600")


@router.get("/api/voices/{voice_id}")
def voice_sample(voice_id: str, request: Request, principal: MaybePrincipal) -> Response:
    """A voice's reference sample, for previews. Custom voices only to their organization."""
    voice = _find(principal, Voice, voice_id)
    if isinstance(voice, Response):
        return voice
    if voice.object_key is None:
        return PlainTextResponse(NOT_READY, status_code=409)
    cache = "public, max-age=86400" if voice.variant == VoiceVariant.SYSTEM else "private, max-age=3600"
    return serve_object(voice.object_key, range_header=request.headers.get("range"), content_type="audio/wav",
                        cache_control=cache)
