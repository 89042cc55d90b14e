"""Every table, imported in one place so Alembic and `create_all` see the whole schema."""

from resonance.generations.models import Generation
from resonance.identity.models import AuthSession, EmailToken, User
from resonance.mail.models import OutboxEmail
from resonance.orgs.models import AuditEvent, Invitation, Membership, Organization
from resonance.voices.models import Voice

__all__ = [
    "AuditEvent",
    "AuthSession",
    "EmailToken",
    "Generation",
    "Invitation",
    "Membership",
    "Organization",
    "OutboxEmail",
    "User",
    "Voice",
]
