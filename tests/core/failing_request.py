"""A signed-in member's request that fails on our side: the generation's audio is gone from storage, so converting
it to MP3 is reported with a reference (core/failures.py) while the request's caller is known."""

from __future__ import annotations

from dataclasses import dataclass

from resonance.orgs.scope import system_session
from tests.factories import make_generation, make_org, make_user, signed_in

COOKIE = "__Host-resonance_session"


@dataclass
class FailingRequest:
    path: str
    cookie: str
    user_id: str
    org_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.cookie}"}


def failing_request() -> FailingRequest:
    user = make_user()
    org = make_org(admin=user)
    generation = make_generation(org)
    with system_session() as session:
        generation.object_key = f"generations/orgs/{org.id}/{generation.id}.wav"  # never stored
        session.add(generation)
    return FailingRequest(f"/api/audio/{generation.id}?format=mp3", signed_in(user, org)[1], user.id, org.id)
