"""POST /api/webhooks/polar: Polar's webhook deliveries.

No session or same-origin check (Polar is the caller; its signature is the authentication, and a redirect to
sign-in would count as a failed delivery). The raw body is verified, so it is read as bytes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from resonance.billing import webhooks

router = APIRouter()


@router.post("/api/webhooks/polar")
async def polar_webhook(request: Request) -> JSONResponse:
    body = await request.body()
    outcome = await run_in_threadpool(webhooks.receive, body, dict(request.headers))
    return JSONResponse({"detail": outcome.message}, status_code=outcome.status)
