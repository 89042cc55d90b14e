"""Security events: every sign-in and every change to how an account signs in, recorded with the device, network and
approximate place it came from, and mailed to the account (in the same transaction, through the outbox).

A sign-in is mailed only from a new device: a browser (browser and system) and network (IPv4 /24, IPv6 /48) pair
that none of the account's earlier sign-ins had. An account's first recorded sign-in is not mailed: there is nothing
yet to compare it with. Every security email carries a "This wasn't me" link (identity/not_me.py).

The owner sees their events on /account; the Admins of an organization see its members' (orgs/audit.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, col, select

from resonance.core import routes
from resonance.core.config import get_settings
from resonance.identity import devices, tokens
from resonance.identity.models import SecurityEvent, User
from resonance.identity.oauth import providers
from resonance.mail import service as mail
from resonance.mail import templates

SIGNED_IN = "signed_in"
PASSWORD_CHANGED = "password_changed"
EMAIL_CHANGED = "email_changed"
TWO_STEP_ON = "two_step_on"
TWO_STEP_OFF = "two_step_off"
BACKUP_CODE_USED = "backup_code_used"
BACKUP_CODES_RENEWED = "backup_codes_renewed"
PASSKEY_ADDED = "passkey_added"
PASSKEY_REMOVED = "passkey_removed"
SECURED = "secured"  # the owner followed "This wasn't me": signed out everywhere, a reset link sent

LABELS = {
    SIGNED_IN: "Signed in",
    PASSWORD_CHANGED: "Password changed",
    EMAIL_CHANGED: "Email address changed",
    TWO_STEP_ON: "Two-step verification turned on",
    TWO_STEP_OFF: "Two-step verification turned off",
    BACKUP_CODE_USED: "Backup code used",
    BACKUP_CODES_RENEWED: "Backup codes replaced",
    PASSKEY_ADDED: "Passkey added",
    PASSKEY_REMOVED: "Passkey removed",
    SECURED: "Signed out everywhere (\"This wasn't me\")",
}
# What an organization's Admins see of their members (email changes name addresses: the owner's business).
ORG_VISIBLE = frozenset(LABELS) - {EMAIL_CHANGED}
UNMAILED = frozenset({SECURED})  # its mail is the password reset link it sends

# Sign-in methods (`details["method"]`); any other value is a provider's name.
PASSWORD, LINK, EMAIL_CODE, TWO_STEP, PASSKEY = "password", "link", "email_code", "two_step", "passkey"
_HOW = {PASSWORD: "with your password", LINK: "with an emailed sign-in link",
        EMAIL_CODE: "by verifying your email address", TWO_STEP: "with two-step verification",
        PASSKEY: "with a passkey"}
_METHOD_NAMES = {PASSWORD: "password", LINK: "emailed link", EMAIL_CODE: "email code", TWO_STEP: "two-step code",
                 PASSKEY: "passkey"}

NOT_ME_LIFETIME = timedelta(hours=24)  # long enough to read the mail; the link only secures the account

# Never stored: a caller passing one of these has made a mistake.
_SECRETS = frozenset({"password", "token", "code", "codes", "secret", "ticket"})


def record(session: Session, user: User, kind: str, ip: str = "", user_agent: str = "",
           **details: str | int | bool | None) -> SecurityEvent:
    """Record `kind` for `user` and queue its email to the account's address (and to `old_email`, for an email
    change). A sign-in is mailed only from a new device. `details` are shown to the owner and must hold no secret."""
    if kind not in LABELS:
        raise ValueError(f"unknown security event {kind!r}")
    if _SECRETS & set(details):
        raise ValueError("security events never hold secrets")
    row = SecurityEvent(user_id=user.id, kind=kind, ip=(ip or "")[:64], user_agent=(user_agent or "")[:400],
                        device=devices.device(user_agent)[:64], network=devices.network(ip), place=devices.place(ip),
                        details=json.dumps(details, sort_keys=True))
    mailed = kind not in UNMAILED and (kind != SIGNED_IN or _new_device(session, row))
    session.add(row)
    if mailed:
        for to in dict.fromkeys(a for a in (user.email, details.get("old_email")) if a):
            notice = templates.Notice(name=user.name, when=row.created_at.strftime("%d %b %Y, %H:%M UTC"),
                                      device=row.device, place=row.place, link=_not_me_link(session, user),
                                      hours=int(NOT_ME_LIFETIME.total_seconds() // 3600))
            mail.send(session=session, to=to, message=_message(kind, notice, details))
    return row


def _new_device(session: Session, row: SecurityEvent) -> bool:
    """Whether the account signed in before, and never from this device and network."""
    earlier = select(SecurityEvent.id).where(SecurityEvent.user_id == row.user_id, SecurityEvent.kind == SIGNED_IN)
    if session.exec(earlier.limit(1)).first() is None:
        return False
    same = earlier.where(SecurityEvent.device == row.device, SecurityEvent.network == row.network)
    return session.exec(same.limit(1)).first() is None


def _not_me_link(session: Session, user: User) -> str:
    token = tokens.issue_link(session=session, user=user, purpose=tokens.NOT_ME, lifetime=NOT_ME_LIFETIME)
    return f"{get_settings().APP_URL}{routes.NOT_ME}?token={token}"


def how(method: str) -> str:
    """A sign-in method in words: "with your password", "with Google"; "" when unknown."""
    if not method:
        return ""
    return _HOW.get(method) or f"with {providers.label(method) or method}"


def _message(kind: str, notice: templates.Notice, details: dict) -> templates.Message:
    if kind == SIGNED_IN:
        return templates.new_sign_in(notice, how=how(str(details.get("method") or "")))
    if kind == PASSWORD_CHANGED:
        return templates.password_changed(notice, reset=bool(details.get("reset")))
    if kind == EMAIL_CHANGED:
        return templates.email_changed(notice, old=details.get("old_email"), new=str(details.get("new_email")))
    if kind in (TWO_STEP_ON, TWO_STEP_OFF):
        return templates.two_step_changed(notice, on=kind == TWO_STEP_ON)
    if kind == BACKUP_CODE_USED:
        return templates.backup_code_used(notice, left=int(details.get("left") or 0))
    if kind == BACKUP_CODES_RENEWED:
        return templates.backup_codes_renewed(notice)
    if kind in (PASSKEY_ADDED, PASSKEY_REMOVED):
        return templates.passkey_changed(notice, added=kind == PASSKEY_ADDED, passkey=str(details.get("name") or ""))
    raise ValueError(f"no email for {kind!r}")


def describe(row: SecurityEvent) -> str:
    """What happened, in words: "Signed in with your password", "Password changed (reset by email link)"."""
    details = details_of(row)
    label = LABELS.get(row.kind, row.kind)
    if row.kind == SIGNED_IN and (method := str(details.get("method") or "")):
        return f"{label} ({_METHOD_NAMES.get(method) or providers.label(method) or method})"
    if row.kind == PASSWORD_CHANGED and details.get("reset"):
        return f"{label} (reset by email link)"
    return label


def details_of(row: SecurityEvent) -> dict:
    try:
        found = json.loads(row.details or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def recent_for(*, session: Session, user_id: str, limit: int = 20) -> list[SecurityEvent]:
    """The user's own latest events, newest first."""
    return list(session.exec(select(SecurityEvent).where(SecurityEvent.user_id == user_id)
                             .order_by(col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc())
                             .limit(limit)))
