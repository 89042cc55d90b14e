"""Every table, imported in one place so Alembic and `create_all` see the whole schema."""

from resonance.billing.models import SubscriptionState, UsageRecord, WebhookReceipt
from resonance.generations.models import Generation
from resonance.identity.models import AuthSession, EmailToken, User
from resonance.identity.oauth.models import ExternalIdentity
from resonance.mail.models import OutboxEmail
from resonance.orgs.api_keys import ApiKey
from resonance.orgs.exports import OrgExport
from resonance.orgs.models import AuditEvent, Invitation, JoinRequest, Membership, OrgDomain, Organization
from resonance.orgs.purge import OrgFilePurge
from resonance.voices.models import Voice, VoiceSettingsRow

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuthSession",
    "SubscriptionState",
    "EmailToken",
    "ExternalIdentity",
    "Generation",
    "Invitation",
    "JoinRequest",
    "Membership",
    "OrgDomain",
    "OrgExport",
    "OrgFilePurge",
    "Organization",
    "OutboxEmail",
    "UsageRecord",
    "User",
    "Voice",
    "VoiceSettingsRow",
    "WebhookReceipt",
]
