"""New voices through /v1/voices/add count against the organization's limit (the table in core/ratelimit.py), which
the app's own upload route shares: the refusal comes before any decoding."""

from __future__ import annotations

import httpx

from resonance.core import ratelimit
from tests.api.v1.conftest import make_team


def add(base_url: str, secret: str) -> httpx.Response:
    return httpx.post(f"{base_url}/v1/voices/add", headers={"xi-api-key": secret}, timeout=60,
                      data={"name": "Probe"}, files={"files": ("probe.wav", b"not audio", "audio/wav")})


def test_new_voices_are_limited_per_organization_with_retry_after(team, base_url):
    count, _ = ratelimit.rate(ratelimit.VOICE_UPLOAD)
    assert all(add(base_url, team.secret).status_code == 422 for _ in range(count))  # refused ones cost us too
    limited = add(base_url, team.secret)
    assert limited.status_code == 429 and limited.json()["detail"]["status"] == "rate_limit_exceeded"
    assert int(limited.headers["retry-after"]) > 0
    assert add(base_url, make_team(base_url, "Rival").secret).status_code == 422  # another organization's own
