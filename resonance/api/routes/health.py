"""`GET /healthz` (the process answers; touches nothing) and `GET /readyz` (it can serve: resonance/ops/readiness.py),
for load balancers and container health checks. Unauthenticated by design; neither reveals more than ok/error per
check, and /readyz runs its checks at most once per cache period however often it is asked."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from resonance.ops.readiness import readiness

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz", include_in_schema=False)
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz", include_in_schema=False)
async def readyz() -> JSONResponse:
    result = await run_in_threadpool(readiness.get)
    return JSONResponse(result.body(), status_code=200 if result.ready else 503, headers=NO_STORE)
