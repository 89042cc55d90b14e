"""Verified domains: an Admin adds an email domain and proves it with a 6-digit code mailed to an address at it
(Clerk's way, no DNS). Once verified, people whose verified address is at the domain are offered the organization
(orgs/domain_enrolment.py), as an automatic invitation or as a suggestion.

The code is an email token of identity/tokens.py (keyed digest, EMAIL_CODE_MINUTES, single use, CODE_ATTEMPT_LIMIT
guesses), issued to the Admin and bound to the domain row the way a sign-up code is bound to its browser: a code
sent for one domain is a wrong guess for any other. Every call runs in the Admin's tenant session, so another
organization's domain id reads as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import idna
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from resonance.core import text_input
from resonance.core.clock import clock
from resonance.core.config import get_settings
from resonance.core.errors import Invalid, NotFound
from resonance.identity import tokens
from resonance.identity.accounts import normalize_email
from resonance.identity.models import User
from resonance.mail import service as mail
from resonance.mail import templates
from resonance.orgs import audit
from resonance.orgs.models import DomainMode, JoinRequest, JoinRequestStatus, OrgDomain, Organization
from resonance.orgs.principal import Principal, require_admin
from resonance.orgs.public_domains import is_public
from resonance.orgs.scope import unscoped

VERIFY_DOMAIN = "verify_domain"  # the email token purpose
DOMAINS_PER_ORG = 10
MODES = frozenset(DomainMode)

SHAPE = "Enter a domain like example.com: no https://, no path, no @."
TAKEN = "{domain} is already verified by another organization. A domain can belong to one organization only."


@dataclass(frozen=True)
class DomainView:
    id: str
    domain: str  # as people read it (Unicode)
    mode: str
    verified_at: datetime | None
    code_sent_to: str  # the address of the actor's live code for this domain, "" when none


def normalize_domain(value: object) -> str:
    """A domain as stored: trimmed, lower-case, IDNA A-labels (bücher.de → xn--bcher-kva.de); `Invalid` for
    anything else (a URL, an address, an IP address, a single label)."""
    raw = text_input.line(value, "Domain").removesuffix(".")
    if not raw:
        raise Invalid("Enter a domain, like example.com.")
    if any(c in raw for c in "/:@?#\\ ") or len(raw) > 253:
        raise Invalid(SHAPE)
    try:
        domain = idna.encode(raw, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise Invalid(SHAPE) from None
    labels = domain.split(".")
    top = labels[-1]
    if len(labels) < 2 or len(domain) > 253 or not (top.isalpha() or top.startswith("xn--")):
        raise Invalid(SHAPE)
    return domain


def domain_of(email: str | None) -> str | None:
    """The normalized domain of an address, or None when it has none that could be verified."""
    _, at, domain = (email or "").rpartition("@")
    try:
        return normalize_domain(domain) if at else None
    except Invalid:
        return None


def readable(domain: str) -> str:
    """A stored domain as people write it (its Unicode form)."""
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        return domain


def add(*, session: Session, actor: Principal, domain: str) -> OrgDomain:
    require_admin(actor)
    domain = normalize_domain(domain)
    if is_public(domain):
        raise Invalid(f"{domain} is a public email provider: anyone can have an address there, so it can't be "
                      "verified for an organization.")
    if session.exec(select(OrgDomain.id).where(OrgDomain.domain == domain)).first():
        raise Invalid(f"{readable(domain)} is already added.")
    _refuse_if_taken(session, domain)
    if session.exec(select(func.count(OrgDomain.id))).one() >= DOMAINS_PER_ORG:
        raise Invalid(f"An organization can have at most {DOMAINS_PER_ORG} domains.")
    row = OrgDomain(org_id=actor.org_id, domain=domain, created_by=actor.user_id)
    session.add(row)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="domain.added", detail=domain)
    return row


def send_code(*, session: Session, actor: Principal, domain_id: str, email: str) -> str:
    """Mail a verification code to `email`, an address at the domain; returns the address. A new code replaces
    the earlier one for this domain; codes are paced by EMAIL_RESEND_SECONDS (the caller counts the sending rate
    limits, as for every code)."""
    require_admin(actor)
    row = _get(session, domain_id)
    if row.verified_at is not None:
        raise Invalid(f"{readable(row.domain)} is already verified.")
    email = normalize_email(email)
    if domain_of(email) != row.domain:
        raise Invalid(f"Enter an address at {readable(row.domain)}, like you@{readable(row.domain)}.")
    _refuse_if_taken(session, row.domain)
    issued = tokens.issue(session=session, user=session.get(User, actor.user_id), purpose=VERIFY_DOMAIN,
                          with_code=True, email=email, browser=_binding(row))
    org = session.get(Organization, actor.org_id)
    mail.send(session=session, to=email, message=templates.domain_code(
        org_name=org.name, domain=readable(row.domain), code=issued.code or "",
        minutes=int(get_settings().EMAIL_CODE_MINUTES)))
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="domain.code_sent",
                 detail=f"{row.domain} to {email}")
    return email


def verify(*, session: Session, actor: Principal, domain_id: str, code: str) -> OrgDomain:
    """The code mailed for this domain proves it. A wrong code counts towards the code's attempt limit (kept when
    the error propagates)."""
    require_admin(actor)
    row = _get(session, domain_id)
    if row.verified_at is not None:
        return row
    _refuse_if_taken(session, row.domain)
    used = tokens.consume_code(session=session, user=session.get(User, actor.user_id), code=str(code or ""),
                               purpose=VERIFY_DOMAIN, browser=_binding(row))
    if domain_of(used.email) != row.domain:  # cannot happen through send_code; a proof of elsewhere proves nothing
        raise Invalid(tokens.EXPIRED)
    session.flush()  # the code's use is written before the savepoint (pysqlite would otherwise start there)
    domain, email = row.domain, used.email  # the rows' attributes expire when the savepoint rolls back
    row.verified_at, row.verified_email = clock.now(), email
    session.add(row)
    try:
        with session.begin_nested():  # another organization verified it this instant: the unique index decides
            session.flush()
    except IntegrityError:
        raise Invalid(TAKEN.format(domain=readable(domain))) from None
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="domain.verified",
                 detail=f"{domain} by {email}")
    return row


def set_mode(*, session: Session, actor: Principal, domain_id: str, mode: str) -> OrgDomain:
    require_admin(actor)
    if mode not in MODES:
        raise Invalid("Choose automatic invitation or suggestion.")
    row = _get(session, domain_id)
    if row.mode != mode:
        row.mode = mode
        session.add(row)
        audit.record(session=session, org_id=actor.org_id, actor=actor, action="domain.mode_changed",
                     detail=f"{row.domain} → {mode}")
    return row


def remove(*, session: Session, actor: Principal, domain_id: str) -> None:
    """Remove the domain; its offers stop and its pending requests to join go with it."""
    require_admin(actor)
    row = _get(session, domain_id)
    session.exec(delete(JoinRequest).where(JoinRequest.domain == row.domain,
                                           JoinRequest.status == JoinRequestStatus.PENDING))
    session.delete(row)
    audit.record(session=session, org_id=actor.org_id, actor=actor, action="domain.removed", detail=row.domain)


def list_for_org(*, session: Session, actor: Principal) -> list[DomainView]:
    require_admin(actor)
    user = session.get(User, actor.user_id)
    rows = session.exec(select(OrgDomain).order_by(col(OrgDomain.created_at), col(OrgDomain.domain))).all()
    return [DomainView(r.id, readable(r.domain), r.mode, r.verified_at, _code_sent_to(session, user, r))
            for r in rows]


def _code_sent_to(session: Session, user: User, row: OrgDomain) -> str:
    if row.verified_at is not None:
        return ""
    last = tokens.latest(session=session, user=user, purpose=VERIFY_DOMAIN, browser=_binding(row))
    live = last is not None and last.used_at is None and last.expires_at > clock.now()
    return (last.email or "") if live else ""


def _binding(row: OrgDomain) -> str:
    """What binds a code to one domain row of one organization (see the module's docstring)."""
    return f"org-domain:{row.id}"


def _refuse_if_taken(session: Session, domain: str) -> None:
    with unscoped(session):  # other organizations' rows: only whether one holds it verified
        taken = session.exec(
            select(OrgDomain.id).where(OrgDomain.domain == domain, col(OrgDomain.verified_at).is_not(None))
        ).first()
    if taken:
        raise Invalid(TAKEN.format(domain=readable(domain)))


def _get(session: Session, domain_id: str) -> OrgDomain:
    row = session.get(OrgDomain, domain_id) if text_input.is_line(domain_id) else None
    if row is None:
        raise NotFound("Domain not found.")
    return row
