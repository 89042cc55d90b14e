"""Sign in with Apple's client secret: an ES256 JWT signed with the .p8 key (Apple's "client secret" is never a
static string). Minted per token request with a short life, so a leaked one is worth little."""

from __future__ import annotations

from datetime import timedelta

import jwt

from resonance.core.clock import clock
from resonance.core.config import get_settings

AUDIENCE = "https://appleid.apple.com"
LIFETIME = timedelta(minutes=5)  # Apple allows up to six months


def client_secret() -> str:
    s = get_settings()
    now = clock.now()
    claims = {"iss": s.APPLE_TEAM_ID, "iat": now, "exp": now + LIFETIME, "aud": AUDIENCE, "sub": s.APPLE_CLIENT_ID}
    return jwt.encode(claims, s.apple_private_key_pem(), algorithm="ES256", headers={"kid": s.APPLE_KEY_ID})
