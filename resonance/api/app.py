"""The FastAPI app Reflex mounts its own backend into (`api_transformer`)."""

from __future__ import annotations

from fastapi import FastAPI

from resonance.api import v1
from resonance.api.bodies import BodyLimits
from resonance.api.headers import SecurityHeaders
from resonance.api.request_ids import RequestIds
from resonance.api.routes import audio, auth, exports, health, oauth, polar_webhooks, voices


def build_api() -> FastAPI:
    api = FastAPI(title="Resonance", docs_url=None, redoc_url=None, openapi_url=None)
    api.include_router(health.router)  # /healthz, /readyz for load balancers
    api.include_router(auth.router)
    api.include_router(oauth.router)
    api.include_router(audio.router)
    api.include_router(exports.router)
    api.include_router(voices.router)
    api.include_router(polar_webhooks.router)
    v1.mount(api)  # the public API (ElevenLabs-compatible) and /v1/openapi.json
    # Reflex mounts its backend (event websocket, endpoints, with --single-port the built pages) inside this app,
    # so these wrap every request it serves. Added last = outermost: the headers are on the body refusals too.
    api.add_middleware(BodyLimits)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(RequestIds)  # outermost: refusals and failures carry the request id too
    return api
