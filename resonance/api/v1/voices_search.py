"""/v2/voices (the SDK's `voices.search`): the voices of GET /v1/voices, searched, filtered, sorted and paged.

`voice_type` and `category` name ElevenLabs' kinds of voice; Resonance has two, the organization's own and the
built-in ones, so each value picks one, both or neither (`_VOICE_TYPES`, `_CATEGORIES`). Pages are keyset pages
(resonance/voices/paging.py): `next_page_token` is the last voice shown, opaque to clients.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, route_class
from resonance.api.v1.schemas import GetVoicesV2Response
from resonance.api.v1.voices import voice_out
from resonance.core.errors import Invalid
from resonance.orgs.scope import tenant_session
from resonance.voices import labels as voice_labels
from resonance.voices import paging
from resonance.voices.models import VoiceVariant

router = APIRouter(prefix="/voices", tags=["voices"], route_class=route_class("voice_not_found"),
                   responses=COMMON_RESPONSES)

OWN, BUILT_IN = frozenset({VoiceVariant.CUSTOM}), frozenset({VoiceVariant.SYSTEM})
BOTH, NEITHER = OWN | BUILT_IN, frozenset()
# The organization's voices are shared by all its members: `personal` and `workspace` both mean them. Resonance
# has no voice library (`community`).
_VOICE_TYPES = {"personal": OWN, "workspace": OWN, "non-default": OWN, "non-community": OWN, "saved": OWN,
                "default": BUILT_IN, "community": NEITHER}
# `cloned` and `matched` are the organization's own voices (which one depends on the engine); no voice of
# Resonance is `generated` or `professional`.
_CATEGORIES = {"premade": BUILT_IN, "cloned": OWN, "matched": OWN, "generated": NEITHER, "professional": NEITHER,
               "high_quality": NEITHER}
_SORTS = {"name": "name", "created_at_unix": "created_at"}


def _pick(value: str | None, choices: dict[str, frozenset], field: str) -> frozenset:
    if value is None or not value.strip():
        return BOTH
    if value.strip() not in choices:
        raise Invalid(f"{field} must be one of: {', '.join(choices)} (got {value!r})")
    return choices[value.strip()]


@router.get("", response_model=GetVoicesV2Response, summary="Search voices")
def search_voices(
    caller: CurrentCaller, request: Request,
    search: Annotated[str | None, Query(max_length=200, description="Words in the name or description, any case")]
    = None,
    sort: Annotated[Literal["name", "created_at_unix"] | None, Query(description="Default `created_at_unix`")] = None,
    sort_direction: Annotated[Literal["asc", "desc"] | None, Query(
        description="Default `desc` for `created_at_unix`, `asc` for `name`")] = None,
    page_size: Annotated[int, Query(ge=1, le=100, description="1–100, default 10")] = 10,
    next_page_token: Annotated[str | None, Query(max_length=1000, description="From the previous page")] = None,
    voice_type: Annotated[str | None, Query(description="`personal`, `workspace`, `non-default`, `non-community`, "
                                                        "`saved`: the organization's own voices; `default`: the "
                                                        "built-in ones; `community`: none")] = None,
    category: Annotated[str | None, Query(description="`premade`: built-in; `cloned` or `matched`: the "
                                                      "organization's own; `generated`, `professional`: none")]
    = None,
    include_total_count: Annotated[bool | None, Query(description="`total_count` is always given")] = None,
) -> GetVoicesV2Response:
    """The organization's own voices and the built-in ones, in pages. Filters ElevenLabs has and Resonance does not
    (gender, age, language, accent, use_cases, collection_id, fine_tuning_state, voice_ids, …) are ignored."""
    variants = _pick(voice_type, _VOICE_TYPES, "voice_type") & _pick(category, _CATEGORIES, "category")
    order = _SORTS[sort or "created_at_unix"]
    descending = (sort_direction or ("asc" if order == "name" else "desc")) == "desc"
    query = paging.VoiceQuery(search=search or "", variants=variants, sort=order, descending=descending,
                              size=page_size, cursor=next_page_token)
    with tenant_session(caller.principal.org_id) as session:
        page = paging.search_voices(session=session, query=query)
    base, engine = str(request.base_url), voice_labels.active_engine()
    return GetVoicesV2Response(voices=[voice_out(v, base, engine) for v in page.voices],
                               has_more=page.next_cursor is not None, total_count=page.total,
                               next_page_token=page.next_cursor)
