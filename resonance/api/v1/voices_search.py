"""/v2/voices (the SDK's `voices.search`): the voices of GET /v1/voices, searched, filtered, sorted and paged.

`voice_type` and `category` name ElevenLabs' kinds of voice; Resonance has two, the organization's own and the
built-in ones, so each value picks one, both or neither (`_VOICE_TYPES`, `_CATEGORIES`). Pages are keyset pages
(resonance/voices/paging.py): `next_page_token` is the last voice shown, opaque to clients.

The label filters (`language`, `accent`, `gender`, `age`, `use_cases`) read the same labels GET /v1/voices shows
(`voice_tags`), and `voice_ids` picks voices by id. A voice without the label asked for is not listed: no voice
has an `age`, and only built-in voices have a `gender`. Filters about ElevenLabs' voice library, collections and
professional clones (`collection_id`, `fine_tuning_state`, `min_notice_period_days`, …) have nothing in Resonance to
act on and are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, route_class
from resonance.api.v1.schemas import GetVoicesV2Response
from resonance.api.v1.voices import use_case_category, voice_out, voice_tags
from resonance.core.errors import Invalid
from resonance.orgs.scope import tenant_session
from resonance.voices import labels as voice_labels
from resonance.voices import paging
from resonance.voices.models import Voice, VoiceVariant

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
MAX_VOICE_IDS = 100  # as ElevenLabs allows


def _pick(value: str | None, choices: dict[str, frozenset], field: str) -> frozenset:
    if value is None or not value.strip():
        return BOTH
    if value.strip() not in choices:
        raise Invalid(f"{field} must be one of: {', '.join(choices)} (got {value!r})")
    return choices[value.strip()]


def _values(raw: list[str] | None) -> list[str]:
    """Repeated parameters (as the SDK sends a list) or comma-separated ones, blanks dropped."""
    return [part.strip() for value in raw or [] for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class LabelFilter:
    """What the label and id filters ask for; an empty field asks nothing."""

    voice_ids: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # lower case: "en" (any English) or a whole tag, "en-gb"
    accent: str = ""
    gender: str = ""
    age: str = ""
    categories: frozenset[str | None] = frozenset()  # from use_cases; None for a use case no category has

    def keep(self) -> Callable[[Voice], bool] | None:
        return None if self == LabelFilter() else self._matches

    def _matches(self, voice: Voice) -> bool:
        tags = voice_tags(voice)
        language = tags["language"].lower()
        return ((not self.voice_ids or voice.id in self.voice_ids)
                and (not self.languages or bool({language, language.split("-")[0]} & self.languages))
                and (not self.accent or tags["accent"].lower() == self.accent)
                and (not self.gender or tags.get("gender", "") == self.gender)
                and (not self.age or tags.get("age", "") == self.age)
                and (not self.categories or voice.category in self.categories))


def _label_filter(voice_ids: list[str], languages: list[str], accent: str | None, gender: str | None,
                  age: str | None, use_cases: list[str]) -> LabelFilter:
    if len(voice_ids) > MAX_VOICE_IDS:
        raise Invalid(f"voice_ids takes at most {MAX_VOICE_IDS} ids (got {len(voice_ids)})")
    return LabelFilter(voice_ids=frozenset(voice_ids), languages=frozenset(v.lower() for v in languages),
                       accent=(accent or "").strip().lower(), gender=(gender or "").strip().lower(),
                       age=(age or "").strip().lower(),
                       categories=frozenset(use_case_category(v) for v in use_cases))


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
    voice_ids: Annotated[list[str] | None, Query(description=f"Only these voices (at most {MAX_VOICE_IDS})")]
    = None,
    language: Annotated[list[str] | None, Query(description="Voices of any of these languages: `en` (every "
                                                            "English voice) or a whole tag, `en-GB`")] = None,
    accent: Annotated[str | None, Query(max_length=100, description="The `accent` label: `american`, "
                                                                    "`british`, `indian`, …")] = None,
    gender: Annotated[str | None, Query(max_length=100, description="`female` or `male`: built-in voices only "
                                                                    "(own voices carry no gender)")] = None,
    age: Annotated[str | None, Query(max_length=100, description="No voice carries an age: any value lists "
                                                                 "none")] = None,
    use_cases: Annotated[list[str] | None, Query(description="Voices of any of these categories "
                                                             "(`audiobook`, `narrative_story`, …)")] = None,
) -> GetVoicesV2Response:
    """The organization's own voices and the built-in ones, in pages, filtered by their labels and ids (see the
    module). Filters about ElevenLabs' voice library (collection_id, fine_tuning_state, …) are ignored."""
    variants = _pick(voice_type, _VOICE_TYPES, "voice_type") & _pick(category, _CATEGORIES, "category")
    labels = _label_filter(_values(voice_ids), _values(language), accent, gender, age, _values(use_cases))
    order = _SORTS[sort or "created_at_unix"]
    descending = (sort_direction or ("asc" if order == "name" else "desc")) == "desc"
    query = paging.VoiceQuery(search=search or "", variants=variants, sort=order, descending=descending,
                              size=page_size, cursor=next_page_token, keep=labels.keep())
    with tenant_session(caller.principal.org_id) as session:
        page = paging.search_voices(session=session, query=query)
    base, engine = str(request.base_url), voice_labels.active_engine()
    return GetVoicesV2Response(voices=[voice_out(v, base, engine) for v in page.voices],
                               has_more=page.next_cursor is not None, total_count=page.total,
                               next_page_token=page.next_cursor)
