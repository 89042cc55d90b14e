"""POST /api/voices/create: the app's upload route (raw audio body, fields in the query), same checks in the
same order and with the same answers."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from resonance.api.deps import MaybePrincipal, SameOrigin
from resonance.core import ratelimit
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, RateLimited, ResonanceError, Unavailable
from resonance.core.failures import report
from resonance.jobs.default import default_runner
from resonance.voices import cloning
from resonance.voices.sample_rules import SampleTooLarge
from resonance.voices.service import VoiceFields, validate_fields

log = logging.getLogger("resonance.api")
router = APIRouter(dependencies=[SameOrigin])


@router.post("/api/voices/create", status_code=201)
async def create_voice(request: Request, principal: MaybePrincipal, name: str = "", category: str = "GENERAL",
                       language: str = "en-US", description: str = "") -> Response:
    if principal is None or principal.org_id is None:
        return unauthorized()
    try:
        ratelimit.hit(ratelimit.VOICE_UPLOAD, principal.org_id)  # before the body is read
    except RateLimited as error:
        return JSONResponse({"error": str(error)}, status_code=429, headers={"Retry-After": str(error.retry_after)})
    fields = VoiceFields(name=name, category=category, language=language, description=description)
    try:
        validate_fields(fields)
    except Invalid as error:
        return JSONResponse({"error": "Invalid input", "issues": [{"message": str(error)}]}, status_code=400)
    limit = get_settings().VOICE_MAX_BYTES
    body = await _read_limited(request, limit)
    if not body:
        return JSONResponse({"error": "Please upload an audio file"}, status_code=400)
    if len(body) > limit:
        return too_large()
    content_type = request.headers.get("content-type")
    if not content_type:
        return JSONResponse({"error": 'Missing "Content-Type" header'}, status_code=400)
    try:
        # Decoding a long sample takes about a second: keep it off the event loop.
        voice = await run_in_threadpool(cloning.create_custom_voice, actor=principal, fields=fields, data=body,
                                        declared_type=content_type.split(";")[0].strip())
    except SampleTooLarge as error:
        return JSONResponse({"error": str(error)}, status_code=413)
    except Unavailable as error:  # storage down past its retry window; cloning removed what it had written
        message = report(log, error, str(error), "creating a voice in %s failed", principal.org_id)
        return JSONResponse({"error": message}, status_code=503)
    except ResonanceError as error:
        return JSONResponse({"error": str(error)}, status_code=error.status if error.status != 400 else 422)
    except Exception as error:  # noqa: BLE001 - storage or database failure; cloning already cleaned up
        message = report(log, error, "Failed to create voice. Please try again.", "creating a voice in %s failed",
                         principal.org_id)
        return JSONResponse({"error": message}, status_code=500)
    default_runner().notify()
    return JSONResponse({"id": voice.id, "name": voice.name, "message": "Voice created successfully!"},
                        status_code=201)


def unauthorized() -> Response:
    return PlainTextResponse("Unauthorized", status_code=401)


def too_large() -> Response:
    """Also the answer of resonance/api/bodies.py when the streamed body passes the limit."""
    return JSONResponse({"error": "Audio file exceeds the 20 MB size limit"}, status_code=413)


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, but never more than limit + 1 bytes in memory (enough to know it is too large)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)
