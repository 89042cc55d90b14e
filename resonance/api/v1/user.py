"""/v1/user: the key's organization as ElevenLabs' user (`workspace_id` its id, `seat_type` workspace_member).

/v1/user/subscription: this period's characters and the organization's standing, in ElevenLabs' shape.

- Billing off (no POLAR_ACCESS_TOKEN): tier `unlimited`, status `active`, `character_limit` 2,147,483,647 (no
  limit), `character_count` the characters of this calendar month's finished generations (UTC).
- Billing on, active subscription: tier `pay_as_you_go`, status `active`, no limit (usage is billed per character),
  `character_count` the billed characters of the subscription period, which ends at
  `next_character_count_reset_unix`; `estimated_cost` this period's estimate.
- Billing on, no active subscription: status `free_disabled`, `character_limit` 0: generating answers 402
  `subscription_required`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, route_class
from resonance.api.v1.schemas import UNLIMITED, Price, Subscription, User
from resonance.billing import service as billing
from resonance.core.clock import as_utc, clock
from resonance.generations import service as generations
from resonance.orgs import api_keys, organizations
from resonance.orgs.scope import tenant_session
from resonance.voices import service as voices_service

router = APIRouter(prefix="/user", tags=["user"], route_class=route_class("not_found"), responses=COMMON_RESPONSES)


@router.get("", response_model=User, summary="The key's organization, as a user")
def get_user(caller: CurrentCaller) -> User:
    org_id = caller.principal.org_id
    with tenant_session(org_id) as session:
        prefix = api_keys.key_prefix(session=session, key_id=caller.key_id)
        created = organizations.get(session=session, org_id=org_id).created_at
    return User(user_id=caller.principal.user_id or caller.key_id, workspace_id=org_id,
                subscription=subscription(caller), xi_api_key_preview=prefix, created_at=_unix(created) or 0)


@router.get("/subscription", response_model=Subscription, summary="Usage and subscription")
def subscription(caller: CurrentCaller) -> Subscription:
    org_id = caller.principal.org_id
    status = billing.get_status(org_id)
    month = clock.now().astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with tenant_session(org_id) as session:
        voices = voices_service.count_custom_voices(session=session)
        generated = 0 if status.enabled else generations.characters_spoken_since(session=session, since=month)
    if not status.enabled:
        return Subscription(tier="unlimited", status="active", character_count=int(generated),
                            character_limit=UNLIMITED, voice_slots_used=int(voices),
                            next_character_count_reset_unix=_unix(_next_month(month)))
    return Subscription(
        tier="pay_as_you_go", status="active" if status.active else "free_disabled",
        character_count=status.period_characters, character_limit=UNLIMITED if status.active else 0,
        voice_slots_used=int(voices), next_character_count_reset_unix=_unix(status.period_end),
        estimated_cost=Price(amount=f"{status.estimated_cents / 100:.2f}"),
    )


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _unix(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(as_utc(moment).timestamp())
