"""One web worker for tests/core/test_ratelimit.py: the app's FastAPI part served by uvicorn on a loopback port,
plus one test route that runs password sign-in as the sign-in page does, with the client's address taken from the
request. Run as `python -m tests.core.ratelimit_worker PORT`; settings come from the environment."""

from __future__ import annotations

import sys

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from resonance.api.app import build_api
from resonance.api.deps import request_client_ip
from resonance.core import config
from resonance.core.errors import ResonanceError
from resonance.identity import signin
from resonance.orgs.scope import system_session

SIGN_IN = "/test/sign-in"


def build() -> FastAPI:
    api = build_api()

    @api.post(SIGN_IN)
    def sign_in(request: Request, email: str, password: str) -> JSONResponse:
        try:
            with system_session() as session:
                signin.authenticate(session=session, email=email, password=password, ip=request_client_ip(request))
        except ResonanceError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        return JSONResponse({"signed_in": True})

    return api


if __name__ == "__main__":
    import uvicorn

    config.Settings.model_config["env_file"] = None  # only what the test passes in the environment
    # proxy_headers off: the app reads X-Forwarded-For itself, as under Granian, Reflex's production server.
    uvicorn.run(build(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off",
                proxy_headers=False)
