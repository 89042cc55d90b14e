"""The FastAPI app Reflex mounts its own backend into (`api_transformer`)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc

from resonance.api import v1
from resonance.api.bodies import BodyLimits
from resonance.api.headers import SecurityHeaders
from resonance.api.request_ids import RequestIds
from resonance.api.v1.errors import UNAVAILABLE, UNAVAILABLE_RETRY_S
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
    # The app's own routes (the /v1 routes answer the same in their own shape, errors.from_error).
    api.add_exception_handler(exc.OperationalError, database_unavailable)
    api.add_exception_handler(exc.TimeoutError, database_unavailable)
    # Reflex mounts its backend (event websocket, endpoints, with --single-port the built pages) inside this app,
    # so these wrap every request it serves. Added last = outermost: the headers are on the body refusals too.
    api.add_middleware(BodyLimits)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(RequestIds)  # outermost: refusals and failures carry the request id too
    return api


log = logging.getLogger("resonance.api")


async def database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    """The database could not be reached or dropped the connection (a restart, a failover): "try again" with no
    driver message or address, rather than a 500."""
    log.warning("request failed: database unavailable (%s)", type(error).__name__)
    return JSONResponse({"detail": UNAVAILABLE}, status_code=503,
                        headers={"Retry-After": str(UNAVAILABLE_RETRY_S), "Cache-Control": "no-store"})
