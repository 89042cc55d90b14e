"""Billing tables: the last known subscription state per organization, webhook receipts, usage records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, col

from resonance.core.ids import new_id, utcnow
from resonance.orgs.scope import OrgOwned


class SubscriptionState(SQLModel, OrgOwned, table=True):
    """What we last learned from Polar about an organization's subscription (webhooks or the customer-state call).

    `state_at` is when Polar said it (the webhook's timestamp, or the time of our call): an older message arriving
    late never overwrites a newer one. `checked_at` is the last successful customer-state call, `attempted_at` the
    last try (successful or not), so an outage is not retried on every page view.
    """

    __tablename__ = "billing_states"

    org_id: str = Field(primary_key=True, foreign_key="organizations.id", ondelete="CASCADE")
    active: bool = False
    subscription_id: str | None = Field(default=None, max_length=64)
    subscription_status: str = Field(default="", max_length=32)
    cancel_at_period_end: bool = False
    period_start: datetime | None = None
    period_end: datetime | None = None
    meter_amount_cents: int | None = None  # Polar's running amount of the period's meters, when it told us
    state_at: datetime | None = None
    checked_at: datetime | None = None
    attempted_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookReceipt(SQLModel, table=True):
    """One Polar webhook delivery, kept by its `webhook-id`: the primary key makes a replay fail to insert."""

    __tablename__ = "polar_webhook_receipts"

    id: str = Field(primary_key=True, max_length=128)  # the webhook-id header
    type: str = Field(max_length=64)
    org_id: str | None = Field(default=None, max_length=64, index=True)  # the external customer id it concerned
    received_at: datetime = Field(default_factory=utcnow, index=True)


class UsageRecord(SQLModel, OrgOwned, table=True):
    """A billable event, written in the same transaction as the result it bills, delivered to Polar later.

    No foreign key to the organization: usage of an organization deleted before delivery is still billed. The id
    is Polar's `external_id`, so a repeated delivery is dropped by Polar.
    """

    __tablename__ = "usage_records"
    __table_args__ = (UniqueConstraint("kind", "source_id", name="uq_usage_records_kind_source"),)

    id: str = Field(default_factory=lambda: new_id("use"), primary_key=True)
    org_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=32)  # tts_generation | voice_creation
    source_id: str = Field(max_length=64)  # the generation or voice it bills
    characters: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)
    delivered_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str = ""

    @classmethod
    def outlives_organization(cls):
        """The records that stay when their organization is deleted (organizations.delete_org): those not yet
        delivered, so the sender still bills them; Polar's customer is the organization's id, which needs no row."""
        return col(cls.delivered_at).is_(None)
