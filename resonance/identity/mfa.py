"""Two-step verification: an authenticator app (TOTP, RFC 6238: 30-second steps, 6 digits, one step either side
accepted) and single-use backup codes.

After the first factor (password, emailed link or a provider), an account with an authenticator or a passkey
(identity/passkeys.py) gets no session: it gets a signed challenge (kept in an HttpOnly cookie by
api/routes/auth.py) that only a right second code, or one of its passkeys, turns into one. Second-factor attempts
count toward the same lockout as passwords (identity/signin.py). A code is accepted once: the newest accepted time
step is recorded in the same statement that accepts it, so a replay in its window, or two requests racing with one
code, find nothing to update.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from sqlalchemy import literal
from sqlmodel import Session, col, delete, func, select, update

from resonance.core import security, text_input
from resonance.core.clock import clock
from resonance.core.errors import Invalid, NotFound
from resonance.identity import security_events, signin
from resonance.identity.factors import has_second_factor
from resonance.identity.models import BackupCode, Passkey, TotpFactor, User

ISSUER = "Resonance"
STEP_SECONDS = 30
BACKUP_CODES = 10
CHALLENGE_AUDIENCE = "resonance:second-factor"
CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_COOKIE = "__Host-resonance_second_factor"  # the signed challenge between the two steps (HttpOnly)
WRONG = "That code is not right. Check your authenticator app and try again."
ALREADY_ON = "Two-step verification is already on."


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into an app that cannot scan
    uri: str  # otpauth://
    qr_svg: str  # a data: URI of the QR code, as SVG


def enrolled(*, session: Session, user_id: str) -> bool:
    """Whether signing in takes a second step: the account has an authenticator app or a passkey."""
    return session.exec(select(has_second_factor(literal(user_id)))).one()


def totp_on(*, session: Session, user_id: str) -> bool:
    factor = session.get(TotpFactor, user_id)
    return factor is not None and factor.confirmed_at is not None


def begin(*, session: Session, user: User) -> Enrolment:
    """A new authenticator key for `user`, off until `confirm` sees a right code (a new start replaces an
    unconfirmed key)."""
    factor = session.get(TotpFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise Invalid(ALREADY_ON)
    secret = pyotp.random_base32()
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=security.encrypt(secret))
    factor.secret, factor.last_step, factor.created_at = security.encrypt(secret), 0, clock.now()
    session.add(factor)
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email or user.name,
                                                                       issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return Enrolment(secret=secret, uri=uri,
                     qr_svg="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())


def confirm(*, session: Session, user_id: str, code: str, ip: str = "", user_agent: str = "") -> list[str]:
    """Turn the authenticator on with a first right code; returns the backup codes, shown once. (`ip`,
    `user_agent`, here and below: where the person acts from, for the security email.)"""
    factor = session.get(TotpFactor, user_id)
    if factor is None:
        raise NotFound("Start setting up your authenticator app first.")
    if factor.confirmed_at is not None:
        raise Invalid(ALREADY_ON)
    if not _accept_totp(session, factor, code):
        raise Invalid(WRONG)
    factor.confirmed_at = clock.now()
    session.add(factor)
    _record(session, user_id, security_events.TWO_STEP_ON, ip, user_agent)
    return _new_backup_codes(session, user_id)


def turn_off(*, session: Session, user_id: str, code: str, ip: str = "", user_agent: str = "") -> None:
    """Remove the authenticator and the backup codes; asks for a current code (or a backup code) first."""
    if not totp_on(session=session, user_id=user_id):
        raise NotFound("Two-step verification is not on.")
    if verify_counted(session=session, user_id=user_id, code=code, ip=ip, user_agent=user_agent) is None:
        raise Invalid(WRONG)
    _remove_authenticator(session, user_id)
    _record(session, user_id, security_events.TWO_STEP_OFF, ip, user_agent)


def remove_all(*, session: Session, user_id: str) -> None:
    """Every second factor of the account, passkeys included, gone: an admin's reset for someone who lost them, or
    "This wasn't me" (identity/not_me.py), where they may be an intruder's. The caller records why."""
    _remove_authenticator(session, user_id)
    session.exec(delete(Passkey).where(Passkey.user_id == user_id))


def _remove_authenticator(session: Session, user_id: str) -> None:
    session.exec(delete(BackupCode).where(BackupCode.user_id == user_id))
    session.exec(delete(TotpFactor).where(TotpFactor.user_id == user_id))


def new_backup_codes(*, session: Session, user_id: str, ip: str = "", user_agent: str = "") -> list[str]:
    """Replace the backup codes (the old ones stop working)."""
    if not totp_on(session=session, user_id=user_id):
        raise NotFound("Two-step verification is not on.")
    _record(session, user_id, security_events.BACKUP_CODES_RENEWED, ip, user_agent)
    return _new_backup_codes(session, user_id)


def backup_codes_left(*, session: Session, user_id: str) -> int:
    return session.exec(select(func.count()).select_from(BackupCode)
                        .where(BackupCode.user_id == user_id, col(BackupCode.used_at).is_(None))).one()


def verify(*, session: Session, user_id: str, code: str, ip: str = "", user_agent: str = "") -> str | None:
    """'totp' or 'backup' when `code` is a right, unused code of the user's; None otherwise. Uses it up (a backup
    code is recorded and mailed: the owner learns of it, and how many are left)."""
    code = "".join(str(code or "").split()).replace("-", "").lower()
    if not code or not text_input.is_line(code):
        return None
    factor = session.get(TotpFactor, user_id)
    if factor is None or factor.confirmed_at is None:
        return None
    if code.isdigit() and len(code) == 6:
        return "totp" if _accept_totp(session, factor, code) else None
    used = session.exec(update(BackupCode)
                        .where(BackupCode.user_id == user_id, BackupCode.code_hash == security.digest(code),
                               col(BackupCode.used_at).is_(None))
                        .values(used_at=clock.now()))
    if used.rowcount != 1:
        return None
    _record(session, user_id, security_events.BACKUP_CODE_USED, ip, user_agent,
            left=backup_codes_left(session=session, user_id=user_id))
    return "backup"


def verify_counted(*, session: Session, user_id: str, code: str, ip: str = "", user_agent: str = "") -> str | None:
    """`verify`, the attempt counted toward the account's lockout first (a locked account is refused, right code or
    not); a right code clears the count."""
    settle = signin.second_factor_attempt(user_id)
    kind = verify(session=session, user_id=user_id, code=code, ip=ip, user_agent=user_agent)
    settle(session, kind is not None)
    return kind


def challenge(user_id: str, next_path: str) -> str:
    """The signed proof that `user_id` passed the first factor, for the second-factor page."""
    return security.sign({"u": user_id, "next": next_path}, audience=CHALLENGE_AUDIENCE, lifetime=CHALLENGE_LIFETIME)


def read_challenge(token: str | None) -> tuple[str, str] | None:
    """(user id, where to go after) of a valid challenge; None when forged or expired."""
    claims = security.unsign(token or "", audience=CHALLENGE_AUDIENCE)
    if claims is None or not isinstance(claims.get("u"), str):
        return None
    return claims["u"], str(claims.get("next") or "/")


def _record(session: Session, user_id: str, kind: str, ip: str, user_agent: str, **details) -> None:
    security_events.record(session, session.get(User, user_id), kind, ip=ip, user_agent=user_agent, **details)


def _accept_totp(session: Session, factor: TotpFactor, code: str) -> bool:
    totp = pyotp.TOTP(security.decrypt(factor.secret), interval=STEP_SECONDS)
    current = int(clock.now().timestamp() // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            claimed = session.exec(update(TotpFactor)
                                   .where(TotpFactor.user_id == factor.user_id, TotpFactor.last_step < step)
                                   .values(last_step=step))
            session.refresh(factor)
            return claimed.rowcount == 1
    return False


def _new_backup_codes(session: Session, user_id: str) -> list[str]:
    session.exec(delete(BackupCode).where(BackupCode.user_id == user_id))
    codes = [_backup_code() for _ in range(BACKUP_CODES)]
    for code in codes:
        session.add(BackupCode(user_id=user_id, code_hash=security.digest(code.replace("-", ""))))
    return codes


def _backup_code() -> str:
    """Ten characters from an alphabet without look-alikes, as xxxxx-xxxxx (about 50 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"
