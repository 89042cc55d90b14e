"""/v1/history: the organization's generations (from the app and from this API), newest or oldest first."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import Session

from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, NOT_FOUND, ApiProblem, route_class
from resonance.api.v1.formats import DEFAULT_FORMAT, Format, OutputFormat, encode, parse
from resonance.api.v1.schemas import (
    MODEL_ID,
    DownloadHistoryRequest,
    GetHistoryResponse,
    HistoryItem,
    StatusResponse,
)
from resonance.billing.service import count_characters
from resonance.core.clock import as_utc
from resonance.generations import service as generations
from resonance.generations.models import Generation
from resonance.jobs import rows
from resonance.orgs.scope import tenant_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.storage.cleanup import remove_files
from resonance.voices import labels
from resonance.voices import service as voices_service

router = APIRouter(prefix="/history", tags=["history"], route_class=route_class("history_item_not_found"),
                   responses={**COMMON_RESPONSES, **NOT_FOUND})

WAV_FORMAT = OutputFormat.WAV_44100  # `output_format` `wav` of a download
UNIX_MAX = 253_402_300_799  # the last second of year 9999, the latest moment a datetime holds
_STATES = {rows.DONE: "created", rows.FAILED: "failed", rows.CANCELLED: "failed"}


def item_out(generation: Generation, variant: str | None, *, clones: bool) -> HistoryItem:
    created = as_utc(generation.created_at)
    return HistoryItem(
        history_item_id=generation.id, request_id=generation.id, voice_id=generation.voice_id, model_id=MODEL_ID,
        voice_name=generation.voice_name, text=generation.text, date_unix=int(created.timestamp()),
        voice_category=None if variant is None else labels.category(variant, clones=clones),
        character_count_change_from=0, character_count_change_to=count_characters(generation.text),
        content_type="audio/mpeg", state=_STATES.get(generation.status, "processing"),
        settings={"speed": generation.speed},
    )


def _variants(session: Session, generations_: list[Generation]) -> dict[str, str]:
    return voices_service.variants(session=session, voice_ids={g.voice_id for g in generations_ if g.voice_id})


def _page(session: Session, *, size: int, after_id: str | None, where: generations.HistoryFilter,
          oldest_first: bool) -> list[Generation]:
    """Newest (or oldest) first, keyset-paged after `after_id` (an id of this organization, else 404)."""
    after = generations.get_generation(session=session, generation_id=after_id) if after_id else None
    return generations.list_generations(session=session, before=after, limit=size, where=where,
                                        oldest_first=oldest_first)


def _moment(unix: int | None) -> datetime | None:
    return None if unix is None else datetime.fromtimestamp(unix, UTC)


@router.get("", response_model=GetHistoryResponse, summary="List history")
def list_history(
    caller: CurrentCaller,
    page_size: Annotated[int, Query(ge=1, le=1000, description="At most this many items (1–1000)")] = 100,
    start_after_history_item_id: Annotated[str | None, Query(description="The last item of the previous page")]
    = None,
    voice_id: Annotated[str | None, Query(description="Only items spoken with this voice")] = None,
    date_before_unix: Annotated[int | None, Query(ge=0, le=UNIX_MAX, description="Only items made before this "
                                                                                  "moment (Unix seconds)")] = None,
    date_after_unix: Annotated[int | None, Query(ge=0, le=UNIX_MAX, description="Only items made at or after this "
                                                                                 "moment (Unix seconds)")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Only items whose text holds this, any case")]
    = None,
    source: Annotated[Literal["TTS", "STS", "Flows"] | None, Query(
        description="Every item is `TTS`: `STS` and `Flows` list none")] = None,
    sort_direction: Annotated[Literal["asc", "desc"] | None, Query(
        description="`desc` newest first (default), `asc` oldest first; pages continue in the same order")] = None,
    model_id: Annotated[str | None, Query(description="Accepted and ignored: every item is resonance_v1")] = None,
) -> GetHistoryResponse:
    if source not in (None, "TTS"):
        return GetHistoryResponse(history=[], has_more=False)
    where = generations.HistoryFilter(voice_id=voice_id, after=_moment(date_after_unix),
                                      before=_moment(date_before_unix), search=search or "")
    with tenant_session(caller.principal.org_id) as session:
        found = _page(session, size=page_size + 1, after_id=start_after_history_item_id, where=where,
                      oldest_first=sort_direction == "asc")
        page = found[:page_size]
        variants = _variants(session, page)
    clones = labels.active_engine().clones
    items = [item_out(g, variants.get(g.voice_id or ""), clones=clones) for g in page]
    return GetHistoryResponse(history=items, has_more=len(found) > page_size,
                              last_history_item_id=items[-1].history_item_id if items else None,
                              scanned_until=items[-1].date_unix if items else None)


@router.get("/{history_item_id}", response_model=HistoryItem, summary="Get a history item")
def get_item(history_item_id: str, caller: CurrentCaller) -> HistoryItem:
    with tenant_session(caller.principal.org_id) as session:
        generation = generations.get_generation(session=session, generation_id=history_item_id)
        variant = _variants(session, [generation]).get(generation.voice_id or "")
    return item_out(generation, variant, clones=labels.active_engine().clones)


_NO_AUDIO = {409: {"description": "Still being generated (`audio_not_ready`), failed (`speech_failed`) or "
                                  "cancelled (`history_item_cancelled`)"}}


@router.get("/{history_item_id}/audio", summary="Get a history item's audio", response_class=Response,
            responses={200: {"description": "MP3 (44.1 kHz, 128 kb/s)",
                             "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
                       **_NO_AUDIO})
async def get_audio(history_item_id: str, caller: CurrentCaller) -> Response:
    [generation] = await run_in_threadpool(_with_audio, caller.principal.org_id, [history_item_id])
    data = await run_in_threadpool(_encoded, generation.object_key, parse(DEFAULT_FORMAT))
    return Response(data, media_type="audio/mpeg")


@router.post("/download", summary="Download history items' audio", response_class=Response,
             responses={200: {"description": "One item: its audio (MP3, or WAV with `output_format` `wav`). "
                                             "Several: a zip of them, each named after its item's id",
                              "content": {"audio/mpeg": {}, "audio/wav": {}, "application/zip": {}}},
                        **_NO_AUDIO})
async def download(body: DownloadHistoryRequest, caller: CurrentCaller) -> Response:
    """The audio of one item, or a zip of several (404 if any is unknown or another organization's, 409 if any has
    no audio)."""
    found = await run_in_threadpool(_with_audio, caller.principal.org_id, list(dict.fromkeys(body.history_item_ids)))
    fmt = parse(WAV_FORMAT if body.output_format == "wav" else DEFAULT_FORMAT)
    extension = "wav" if body.output_format == "wav" else "mp3"
    if len(found) == 1:
        data = await run_in_threadpool(_encoded, found[0].object_key, fmt)
        return Response(data, media_type=fmt.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{found[0].id}.{extension}"'})
    data = await run_in_threadpool(_zip, found, fmt, extension)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="history.zip"'})


def _with_audio(org_id: str, ids: list[str]) -> list[Generation]:
    """The items, in order; 404 for one that is not the organization's, 409 for one without audio."""
    with tenant_session(org_id) as session:
        found = [generations.get_generation(session=session, generation_id=i) for i in ids]
    for generation in found:
        if generation.status == rows.FAILED:
            raise ApiProblem(409, "speech_failed",
                             generation.error or "Speech generation failed; this item has no audio")
        if generation.status == rows.CANCELLED:
            raise ApiProblem(409, "history_item_cancelled", "The generation was cancelled; this item has no audio")
        if generation.object_key is None:
            raise ApiProblem(409, "audio_not_ready", "The audio is still being generated; try again shortly")
    return found


def _encoded(key: str, fmt: Format) -> bytes:
    samples, rate = audio.read_wav(get_storage().get(key))
    return encode(samples, rate, fmt)


def _zip(found: list[Generation], fmt: Format, extension: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # MP3 and WAV gain little from deflate
        for generation in found:
            archive.writestr(f"{generation.id}.{extension}", _encoded(generation.object_key, fmt))
    return buffer.getvalue()


@router.delete("/{history_item_id}", response_model=StatusResponse, summary="Delete a history item")
def delete_item(history_item_id: str, caller: CurrentCaller) -> StatusResponse:
    """Delete the item and its audio (one still being spoken stops)."""
    with tenant_session(caller.principal.org_id) as session:
        doomed = generations.delete_generation(session=session, actor=caller.principal,
                                               generation_id=history_item_id)
    remove_files(doomed)
    return StatusResponse()
