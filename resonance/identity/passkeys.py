"""Passkeys (WebAuthn, through py_webauthn): several per account, each named; sign in with one alone (a discoverable
credential whose authenticator verified the person: both factors at once), or use one as the second step.

The relying party is the app: its ID is APP_URL's host and the only origin accepted is APP_URL's origin, so a
passkey answers nothing for a look-alike site. Every ceremony starts with a random challenge kept here
(`passkey_challenges`); the page that asked keeps only its id, server side. The answer consumes it in one statement
committed on its own, whether or not the answer is then accepted: a challenge works once, for CHALLENGE_LIFETIME, and
only for its purpose and account. The authenticator's signature counter must go up (a cloned key repeats or lowers
it); authenticators that keep no counter always say 0, which is allowed. The counter is moved in the statement that
checks it, so two answers racing with one counter value do not both pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import webauthn
from sqlmodel import Session, delete, func, select, update
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, AuthenticatorTransport,
                                      PublicKeyCredentialDescriptor, ResidentKeyRequirement,
                                      UserVerificationRequirement)

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.db import first_row_alone
from resonance.core.errors import Invalid, NotFound, Unauthenticated
from resonance.identity import security_events, signin
from resonance.identity.models import Passkey, PasskeyChallenge, User

RP_NAME = "Resonance"
MAX_PASSKEYS = 10
NAME_CHARS = 60
CHALLENGE_LIFETIME = timedelta(minutes=5)
TIMEOUT_MS = 120_000  # how long the browser offers its prompt

REGISTER, SIGN_IN, SECOND_FACTOR = "register", "sign_in", "second_factor"

REFUSED = "That passkey could not be used. Try again, or sign in another way."
EXPIRED = "That took too long. Please try again."
TOO_MANY = f"An account can have at most {MAX_PASSKEYS} passkeys. Remove one first."
ALREADY_ADDED = "That passkey is already on an account."

# Names of well-known passkey providers by AAGUID, for the default name; others are named after the browser.
PROVIDERS = {
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
}

# What a malformed answer can raise while the library parses it, besides its own errors.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True)
class Ceremony:
    id: str  # the pending challenge: kept by the page that asked (server side), given back with the answer
    options: str  # JSON for the browser's navigator.credentials.create/get


def relying_party() -> tuple[str, str]:
    """(RP ID, origin): APP_URL's host name, and its scheme://host[:port]."""
    url = urlsplit(get_settings().APP_URL)
    return url.hostname or "", f"{url.scheme}://{url.netloc}"


def has_passkey(*, session: Session, user_id: str) -> bool:
    return session.exec(select(Passkey.id).where(Passkey.user_id == user_id).limit(1)).first() is not None


def list_passkeys(*, session: Session, user_id: str) -> list[Passkey]:
    return list(session.exec(select(Passkey).where(Passkey.user_id == user_id)
                             .order_by(Passkey.created_at, Passkey.id)).all())


# Adding


def registration_options(*, session: Session, user: User) -> Ceremony:
    """Options for creating a passkey for `user`: a discoverable credential, the person verified by the
    authenticator; the account's passkeys are excluded (an authenticator holds one per account)."""
    existing = list_passkeys(session=session, user_id=user.id)
    if len(existing) >= MAX_PASSKEYS:
        raise Invalid(TOO_MANY)
    rp_id, _ = relying_party()
    options = webauthn.generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_id=user.id.encode(), user_name=user.email or user.name,
        user_display_name=user.name, timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[_descriptor(p) for p in existing],
    )
    return _ceremony(session, options, REGISTER, user.id)


def add_passkey(*, session: Session, user_id: str, ceremony_id: str, credential: dict | str,
                fallback_name: str, ip: str = "", user_agent: str = "") -> Passkey:
    """Keep the passkey the browser created for the challenge `ceremony_id` of `user_id`. Named after its provider
    when known, else `fallback_name` (the browser and system). The account is told (security_events)."""
    challenge = _consume(ceremony_id, REGISTER, user_id)
    rp_id, origin = relying_party()
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            require_user_verification=True)
    except _MALFORMED:
        raise Invalid(REFUSED) from None
    if session.exec(select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id)).one() >= MAX_PASSKEYS:
        raise Invalid(TOO_MANY)
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.exec(select(Passkey.id).where(Passkey.credential_id == credential_id)).first() is not None:
        raise Invalid(ALREADY_ADDED)
    passkey = Passkey(user_id=user_id, credential_id=credential_id,
                      public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count,
                      transports=",".join(_transports(credential)),
                      name=_clean_name(PROVIDERS.get(verified.aaguid) or fallback_name or "Passkey"))
    session.add(passkey)
    session.flush()
    security_events.record(session, session.get(User, user_id), security_events.PASSKEY_ADDED, ip=ip,
                           user_agent=user_agent, name=passkey.name)
    return passkey


# Signing in


def sign_in_options(*, session: Session) -> Ceremony:
    """Options for signing in with a passkey alone: no account named (the authenticator offers its passkeys for this
    site), the person verified by the authenticator."""
    return _authentication_options(session, SIGN_IN, None, [])


def second_factor_options(*, session: Session, user_id: str) -> Ceremony:
    """Options for the second step of `user_id` (whose first factor passed): only their passkeys are asked for."""
    keys = list_passkeys(session=session, user_id=user_id)
    if not keys:
        raise NotFound("This account has no passkey.")
    return _authentication_options(session, SECOND_FACTOR, user_id, keys)


def authenticate(*, session: Session, ceremony_id: str, credential: dict | str, user_id: str | None = None) -> User:
    """The user a passkey's answer to the challenge `ceremony_id` proves (`user_id`'s own passkey for the second
    step); `Unauthenticated` for anything else: wrong site or origin, unknown passkey, another account's, a
    counter that did not go up, a bad signature."""
    challenge = _consume(ceremony_id, SECOND_FACTOR if user_id else SIGN_IN, user_id)
    found = _passkey_of(session, credential)
    if found is None or (user_id is not None and found.user_id != user_id):
        raise Unauthenticated(REFUSED)
    handle = _user_handle(credential)
    if handle is not None and handle != found.user_id.encode():
        raise Unauthenticated(REFUSED)
    rp_id, origin = relying_party()
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            credential_public_key=base64url_to_bytes(found.public_key),
            credential_current_sign_count=found.sign_count, require_user_verification=True)
    except _MALFORMED:
        raise Unauthenticated(REFUSED) from None
    moved = session.exec(update(Passkey)
                         .where(Passkey.id == found.id, Passkey.sign_count == found.sign_count)
                         .values(sign_count=verified.new_sign_count, last_used_at=clock.now()))
    if moved.rowcount != 1:  # another answer with this counter value got there first
        raise Unauthenticated(REFUSED)
    user = session.get(User, found.user_id)
    if user is None or user.email_verified_at is None:
        raise Unauthenticated(REFUSED)
    return user


def second_factor(*, session: Session, ceremony_id: str, credential: dict | str, user_id: str) -> User:
    """`authenticate` for the second step of `user_id`, the attempt counted toward the account's lockout first (as
    codes are: a locked account is refused); a right answer clears the count."""
    settle = signin.second_factor_attempt(user_id)
    try:
        user = authenticate(session=session, ceremony_id=ceremony_id, credential=credential, user_id=user_id)
    except Unauthenticated:
        settle(session, False)
        raise
    settle(session, True)
    return user


# Managing


def rename_passkey(*, session: Session, user_id: str, passkey_id: str, name: str) -> Passkey:
    passkey = _own(session, user_id, passkey_id)
    passkey.name = _clean_name(text_input.line(name, "Name"))
    if not passkey.name:
        raise Invalid("Give the passkey a name.")
    session.add(passkey)
    return passkey


def remove_passkey(*, session: Session, user_id: str, passkey_id: str, ip: str = "",
                   user_agent: str = "") -> Passkey:
    """Remove one of `user_id`'s passkeys (it no longer signs in; the account is told); returns it."""
    passkey = _own(session, user_id, passkey_id)
    session.delete(passkey)
    security_events.record(session, session.get(User, user_id), security_events.PASSKEY_REMOVED, ip=ip,
                           user_agent=user_agent, name=passkey.name)
    return passkey


# Helpers


def _ceremony(session: Session, options, purpose: str, user_id: str | None) -> Ceremony:
    now = clock.now()
    session.exec(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now))  # answers never given
    row = PasskeyChallenge(challenge=bytes_to_base64url(options.challenge), purpose=purpose, user_id=user_id,
                           expires_at=now + CHALLENGE_LIFETIME)
    session.add(row)
    session.flush()
    return Ceremony(id=row.id, options=webauthn.options_to_json(options))


def _authentication_options(session: Session, purpose: str, user_id: str | None, keys: list[Passkey]) -> Ceremony:
    rp_id, _ = relying_party()
    options = webauthn.generate_authentication_options(
        rp_id=rp_id, timeout=TIMEOUT_MS, allow_credentials=[_descriptor(p) for p in keys],
        user_verification=UserVerificationRequirement.REQUIRED)
    return _ceremony(session, options, purpose, user_id)


def _consume(ceremony_id: str, purpose: str, user_id: str | None) -> bytes:
    """The live challenge `ceremony_id`, deleted in a statement committed on its own (so it is spent even when the
    answer is then refused); refused unless it was issued for this purpose and account."""
    row = first_row_alone(delete(PasskeyChallenge)
                          .where(PasskeyChallenge.id == str(ceremony_id or ""),
                                 PasskeyChallenge.expires_at > clock.now())
                          .returning(PasskeyChallenge.challenge, PasskeyChallenge.purpose, PasskeyChallenge.user_id))
    if row is None:  # unknown, used or expired
        raise Unauthenticated(EXPIRED)
    challenge, issued_for, issued_to = row
    if issued_for != purpose or issued_to != user_id:
        raise Unauthenticated(REFUSED)
    return base64url_to_bytes(challenge)


def _passkey_of(session: Session, credential: dict | str) -> Passkey | None:
    raw = _parsed(credential).get("rawId") or _parsed(credential).get("id")
    if not isinstance(raw, str) or not raw or len(raw) > 1400:
        return None
    return session.exec(select(Passkey).where(Passkey.credential_id == raw)).first()


def _user_handle(credential: dict | str) -> bytes | None:
    response = _parsed(credential).get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if not isinstance(handle, str) or not handle:
        return None
    try:
        return base64url_to_bytes(handle)
    except ValueError:
        return b""


def _transports(credential: dict | str) -> list[str]:
    response = _parsed(credential).get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    known = {t.value for t in AuthenticatorTransport}
    return [t for t in given if t in known] if isinstance(given, list) else []


def _parsed(credential: dict | str) -> dict:
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            return {}
    return credential if isinstance(credential, dict) else {}


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in passkey.transports.split(",") if t]
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id), transports=transports or None)


def _own(session: Session, user_id: str, passkey_id: str) -> Passkey:
    passkey = session.get(Passkey, str(passkey_id or ""))
    if passkey is None or passkey.user_id != user_id:  # another account's reads as missing
        raise NotFound("That passkey is not on your account.")
    return passkey


def _clean_name(name: str) -> str:
    return " ".join(str(name).split())[:NAME_CHARS]
