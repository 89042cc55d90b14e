"""The public HTTP API under /v1, in ElevenLabs' shapes: an ElevenLabs client works against Resonance by changing
its base URL. Authenticated with an organization API key in `xi-api-key`; described at /v1/openapi.json (only
/v1) and, for people, on the in-app page /docs/api."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from resonance.api.v1 import history, live, models, text_to_speech, user, voices, voices_search
from resonance.api.v1.errors import unrouted
from resonance.api.v1.openai_compat import speech as openai_speech

OPENAPI_PATH = "/v1/openapi.json"

DESCRIPTION = """\
Resonance's public API speaks ElevenLabs' v1 shapes (and, for `voices.search`, GET /v2/voices), so ElevenLabs SDKs
and tools work by changing their base URL to this server.

**Authentication**: an organization API key in the `xi-api-key` header. Admins create keys under Settings → API
keys; the secret is shown once. A key acts for its organization with Member rights.

**Errors**: `{"detail": {"status": "...", "message": "..."}}` with 400 (`voice_not_editable`: a built-in voice), 401
(`needs_authorization`, `invalid_api_key`), 402 (`subscription_required`: billing is on and the organization has no
active subscription), 403
(`missing_permissions`), 404 (`voice_not_found`, `history_item_not_found`: unknown or another organization's), 412
(`voice_not_ready`: the voice is still being matched, with its `matching` status and a `Retry-After` header, or its
matching failed), 413 (`file_too_large`), 422 (`invalid_request`, `model_not_found`), 429 (`rate_limit_exceeded`,
with a `Retry-After` header in seconds), 502 (`speech_failed`), 503 (`service_unavailable`: the database or file
storage is briefly away, with a `Retry-After` header when the database is; try again shortly). A call Resonance does
not offer: 404 (`not_found`),
or 405 (`method_not_allowed`) for a path served with other methods. Every answer carries a `request-id` header (text
to speech: its history item's id); text to speech also sends `character-cost` and `x-character-count`.

**Voices**: `category` is `premade` (built-in), `matched` (the organization's own voice, spoken by Kokoro as a blend
of its stock voices shaped to the recording: not a clone) or `cloned` (spoken from the recording by a cloning
engine); `category_description` says it in a sentence. A new voice is matched in the background: poll
GET /v1/voices/{voice_id} until `matching.status` is `done` (or `failed`).

**Output formats** (`output_format`): `mp3_<rate>_<kbps>`, `pcm_<rate>` (raw 16-bit little-endian mono),
`wav_<rate>` (16-bit mono WAV), `ulaw_8000` and `alaw_8000` (raw G.711), `opus_48000_<kbps>` (Ogg Opus).

**OpenAI**: `POST /v1/audio/speech` takes OpenAI's request with the same key as `Authorization: Bearer <key>` and
answers errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.

**Limits**: text of at most 5,000 characters; a number of requests per key per time window (RESONANCE_API_RATE_LIMIT,
60 per 60 s by default).
"""


# The modules whose `router` serves each version (the OpenAPI document and its fuzz test cover exactly these HTTP
# routes; `live` is the stream-input websocket, which OpenAPI does not describe)
V1_PARTS = (voices, text_to_speech, live, history, models, user, openai_speech)
V2_PARTS = (voices_search,)  # ElevenLabs' v2 calls (for now `voices.search`), under the same key and error shape


def build_router() -> APIRouter:
    v1 = APIRouter(prefix="/v1")
    for part in V1_PARTS:
        v1.include_router(part.router)
    return v1


def build_v2_router() -> APIRouter:
    v2 = APIRouter(prefix="/v2")
    for part in V2_PARTS:
        v2.include_router(part.router)
    return v2


def mount(api: FastAPI) -> None:
    """Add the /v1 and /v2 routes and their OpenAPI document (/v1/openapi.json) to the app."""
    v1, v2 = build_router(), build_v2_router()
    api.include_router(v1)
    api.include_router(v2)
    api.add_exception_handler(HTTPException, unrouted)  # a path or method no /v1 or /v2 route takes
    cache: dict[str, dict] = {}

    @api.get(OPENAPI_PATH, include_in_schema=False)
    def openapi_document() -> JSONResponse:
        if "document" not in cache:
            cache["document"] = get_openapi(title="Resonance API", version="1.0.0", description=DESCRIPTION,
                                            routes=[*v1.routes, *v2.routes])
        return JSONResponse(cache["document"])
