"""Cryptographic primitives: argon2id password hashes, random tokens, keyed token digests, signed JWTs and
encryption of secrets kept at rest.

Knows settings, not the database or HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from calendar import timegm
from datetime import timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet

from resonance.core.clock import clock
from resonance.core.config import get_settings

JWT_ALGORITHM = "HS256"  # pinned: never taken from the token header (RFC 8725 §2.1)


@lru_cache
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(
        time_cost=s.ARGON2_TIME_COST,
        memory_cost=s.ARGON2_MEMORY_KIB,
        parallelism=s.ARGON2_PARALLELISM,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, _utf8(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache
def dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both paths cost the same (timing attacks)."""
    return hash_password(secrets.token_urlsafe(16))


def new_token(nbytes: int = 32) -> str:
    """URL-safe random token from the OS CSPRNG (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def digest(token: str) -> str:
    """Keyed SHA-256 of a token: what the database stores instead of the token itself."""
    key = get_settings().secret_key().encode()
    return hmac.new(key, _utf8(token), hashlib.sha256).hexdigest()


def _utf8(text: str) -> bytes:
    # What people send is checked against hashes of what was issued or chosen: a lone surrogate (from JSON's
    # "\ud800") cannot be in either, so it is encoded as is and simply matches nothing, instead of raising.
    # Every other string encodes exactly as UTF-8.
    return text.encode("utf-8", "surrogatepass")


def sign(claims: dict, *, audience: str, lifetime: timedelta) -> str:
    now = clock.now()
    payload = {**claims, "aud": audience, "iat": now, "exp": now + lifetime}
    return jwt.encode(payload, get_settings().secret_key(), algorithm=JWT_ALGORITHM)


def unsign(token: str, *, audience: str) -> dict | None:
    """Claims of a valid token for this audience, else None (forged, expired, wrong audience)."""
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key(),
            algorithms=[JWT_ALGORITHM],
            audience=audience,
            # Expiry is checked against our clock below, which tests can freeze.
            options={"require": ["exp", "iat", "aud"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    return claims if timegm(clock.now().utctimetuple()) < claims["exp"] else None


def _fernet() -> Fernet:
    key = hmac.new(get_settings().secret_key().encode(), b"resonance:encryption", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    """A secret the server must read back later (an authenticator's key), encrypted and authenticated under a key
    derived from SECRET_KEY."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
