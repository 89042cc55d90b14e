"""Voices a page at a time, in a chosen order: the search the public API's GET /v2/voices offers.

Pages are keyset pages: a cursor is the last voice shown (its sort value and id), so a voice added or deleted between
two pages neither repeats nor hides another. An organization has few voices (its limit on new voices caps them), so
the page is cut from the filtered list here rather than in SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Literal

from sqlmodel import Session

from resonance.core.clock import as_utc
from resonance.core.errors import Invalid
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.service import list_voices

Sort = Literal["name", "created_at"]
BAD_CURSOR = "next_page_token is not one this server gave; start again without it"


@dataclass(frozen=True)
class VoiceQuery:
    search: str = ""
    variants: frozenset[str] = frozenset({VoiceVariant.CUSTOM, VoiceVariant.SYSTEM})
    sort: Sort = "created_at"
    descending: bool = True
    size: int = 10
    cursor: str | None = None
    keep: Callable[[Voice], bool] | None = None  # further filters (the API's labels); None keeps every voice


@dataclass(frozen=True)
class VoicePage:
    voices: list[Voice]
    total: int
    next_cursor: str | None


def _key(voice: Voice, sort: Sort) -> tuple[str, str]:
    if sort == "name":
        return voice.name.lower(), voice.id
    created = as_utc(voice.created_at)
    return created.astimezone(UTC).isoformat(), voice.id


def encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The key of the last voice shown; `Invalid` for anything this module did not write."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise Invalid(BAD_CURSOR) from None
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(part, str) for part in key)):
        raise Invalid(BAD_CURSOR)
    return key[0], key[1]


def search_voices(*, session: Session, query: VoiceQuery) -> VoicePage:
    """One page of the voices the organization sees (its own and the built-in ones) whose name or description holds
    `search`, of the variants asked for, ordered by `sort` (ties by id)."""
    found = list_voices(session=session, query=query.search)
    rows = [v for v in (*found.custom, *found.system)
            if v.variant in query.variants and (query.keep is None or query.keep(v))]
    rows.sort(key=lambda v: _key(v, query.sort), reverse=query.descending)
    rows_after = rows
    if query.cursor:
        last = decode_cursor(query.cursor)
        rows_after = [v for v in rows if _beyond(_key(v, query.sort), last, descending=query.descending)]
    page = rows_after[:query.size]
    more = len(rows_after) > query.size
    return VoicePage(page, len(rows), encode_cursor(_key(page[-1], query.sort)) if more else None)


def _beyond(key: tuple[str, str], last: tuple[str, str], *, descending: bool) -> bool:
    return key < last if descending else key > last
