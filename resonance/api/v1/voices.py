"""/v1/voices: the built-in voices and the organization's own; add one from a recording, edit (or give it a new
recording), keep its settings, delete one.

Adding runs `voices.cloning.create_custom_voice`, the app's own use case (same checks and messages, the subscription
gate, usage record, clean-up on failure). A new voice is listed at once with its `matching` status; with Kokoro it
can be spoken once matching is done (until then text-to-speech answers 412 `voice_not_ready`). Every voice says what
it is (`category`, `category_label`, `category_description`) in the words the app uses (voices/labels.py).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from resonance.api.ranges import serve_object
from resonance.api.v1.auth import CurrentCaller
from resonance.api.v1.errors import COMMON_RESPONSES, NOT_FOUND, SUBSCRIPTION, ApiProblem, route_class
from resonance.api.v1.schemas import (
    DEFAULT_VOICE_SETTINGS,
    MODEL_ID,
    AddVoiceResponse,
    FineTuning,
    GetVoicesResponse,
    Matching,
    StatusResponse,
    Voice,
    VoiceSettings,
)
from resonance.core import ratelimit, security
from resonance.core.clock import as_utc
from resonance.core.config import get_settings
from resonance.core.errors import Forbidden, Invalid, NotFound
from resonance.jobs.default import default_runner
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.storage.cleanup import remove_files
from resonance.voices import cloning, languages
from resonance.voices import labels as voice_labels  # `labels` is also ElevenLabs' form field
from resonance.voices import voice_settings as stored_settings
from resonance.voices import service as voices
from resonance.voices.models import Voice as VoiceRow
from resonance.voices.models import VoiceCategory, VoiceVariant
from resonance.voices.service import VoiceFields
from resonance.voices.voicespec import load_spec

router = APIRouter(prefix="/voices", tags=["voices"], route_class=route_class("voice_not_found"),
                   responses={**COMMON_RESPONSES, **NOT_FOUND})

PREVIEW_AUDIENCE = "api-voice-preview"
PREVIEW_LIFETIME = timedelta(hours=1)
_ACCENTS = {"US": "american", "GB": "british", "IN": "indian", "AU": "australian", "RU": "russian", "IE": "irish",
            "CA": "canadian", "NZ": "new zealand", "ZA": "south african"}
# labels.use_case: our categories in any case ("customer service", "CUSTOMER_SERVICE"), and ElevenLabs' names of them
_USE_CASE_ALIASES = {"narrative_story": "NARRATIVE", "narration": "NARRATIVE", "characters_animation": "CHARACTERS",
                     "advertisement": "ADVERTISING", "meditative": "MEDITATION"}
# ElevenLabs' fine-tuning state of a voice that cannot speak yet, by the state of its match
_FINE_TUNING = {"queued": "queued", "running": "fine_tuning", "done": "fine_tuned", "failed": "failed"}


def matching_out(match: voice_labels.MatchState) -> Matching:
    return Matching(status=match.status, progress=round(match.progress, 3), similarity=match.similarity,
                    error=match.error)


def _fine_tuning(kind: voice_labels.VoiceKind) -> FineTuning | None:
    if kind.match is None:
        return None
    state = "fine_tuned" if kind.ready else _FINE_TUNING[kind.match.status]
    message = "" if kind.ready else kind.sentence
    return FineTuning(state={MODEL_ID: state}, progress={MODEL_ID: 1.0 if kind.ready else kind.match.progress},
                      message={MODEL_ID: message})


def voice_tags(voice: VoiceRow) -> dict[str, str]:
    """ElevenLabs' `labels` of a voice, from what Resonance knows of it: `language`, `use_case`, `accent` for every
    voice, `gender` for the built-in ones (their Kokoro voice says it); no voice has an `age`."""
    tags = {"language": voice.language, "use_case": voice.category.lower()}
    region = voice.language.rsplit("-", 1)[-1] if "-" in voice.language else ""
    tags["accent"] = _ACCENTS.get(region) or languages.region_name(voice.language).lower()
    spec = load_spec(voice) if voice.variant == VoiceVariant.SYSTEM else None
    if isinstance(spec, str) and len(spec) > 1 and spec[1] in "fm":
        tags["gender"] = "female" if spec[1] == "f" else "male"  # Kokoro stock voices: af_…, am_…, bf_…, bm_…
    return tags


def voice_out(voice: VoiceRow, base_url: str, engine: voice_labels.ActiveEngine) -> Voice:
    tags = voice_tags(voice)
    kind = voice_labels.describe(voice, clones=engine.clones, engine=engine.label)
    created = as_utc(voice.created_at)
    return Voice(
        voice_id=voice.id, name=voice.name, category=kind.category, category_label=kind.badge,
        category_description=kind.sentence, description=voice.description, labels=tags,
        preview_url=preview_url(voice, base_url), matching=kind.match and matching_out(kind.match),
        fine_tuning=_fine_tuning(kind), high_quality_base_model_ids=[MODEL_ID],
        is_owner=voice.variant == VoiceVariant.CUSTOM, created_at_unix=int(created.timestamp()),
    )


def preview_url(voice: VoiceRow, base_url: str) -> str | None:
    if voice.object_key is None:
        return None
    token = security.sign({"voice": voice.id, "org": voice.org_id}, audience=PREVIEW_AUDIENCE,
                          lifetime=PREVIEW_LIFETIME)
    return f"{base_url.rstrip('/')}/v1/voices/{voice.id}/preview?token={token}"


@router.get("", response_model=GetVoicesResponse, summary="List voices")
def list_voices(caller: CurrentCaller, request: Request,
                show_legacy: Annotated[bool | None, Query(description="Accepted and ignored")] = None,
                ) -> GetVoicesResponse:
    """The organization's own voices (newest first), then the built-in voices (A–Z)."""
    with tenant_session(caller.principal.org_id) as session:
        found = voices.list_voices(session=session)
    base, engine = str(request.base_url), voice_labels.active_engine()
    return GetVoicesResponse(voices=[voice_out(v, base, engine) for v in (*found.custom, *found.system)])


@router.get("/settings/default", response_model=VoiceSettings, summary="Default voice settings")
def default_settings(caller: CurrentCaller) -> VoiceSettings:
    """The settings text to speech uses when a request sends none: `speed` 1.0; the others, ElevenLabs' defaults,
    are accepted and do not change the audio."""
    return DEFAULT_VOICE_SETTINGS


@router.get("/{voice_id}/settings", response_model=VoiceSettings, summary="A voice's settings")
def voice_settings(voice_id: str, caller: CurrentCaller) -> VoiceSettings:
    """The organization's settings of the voice (POST /v1/voices/{voice_id}/settings/edit), the defaults for what it
    has not set; built-in voices too, each organization its own (404 for another organization's voice)."""
    org_id = caller.principal.org_id
    with tenant_session(org_id) as session:
        kept = stored_settings.stored(session=session, org_id=org_id, voice_id=voice_id)
    return DEFAULT_VOICE_SETTINGS.model_copy(update=kept)


@router.get("/{voice_id}", response_model=Voice, summary="Get a voice")
def get_voice(voice_id: str, caller: CurrentCaller, request: Request,
              with_settings: Annotated[bool | None, Query(description="Accepted and ignored")] = None) -> Voice:
    with tenant_session(caller.principal.org_id) as session:
        voice = voices.get_voice(session=session, voice_id=voice_id)
    return voice_out(voice, str(request.base_url), voice_labels.active_engine())


@router.get("/{voice_id}/preview", summary="A voice's sample (signed URL)",
            response_class=Response, responses={200: {"content": {"audio/wav": {}}, "description": "WAV audio"}})
def preview(voice_id: str, request: Request,
            token: Annotated[str, Query(description="From the voice's `preview_url`")]) -> Response:
    """The URL in a voice's `preview_url`: playable without a key (a browser's audio element) for an hour."""
    claims = security.unsign(token, audience=PREVIEW_AUDIENCE)
    if claims is None or claims.get("voice") != voice_id:
        raise ApiProblem(401, "invalid_preview_token", "This preview link is invalid or has expired; list the "
                                                       "voices again for a fresh one.")
    org_id = claims.get("org")
    voice = _read_for_preview(voice_id, org_id)
    if voice is None or voice.object_key is None:
        raise ApiProblem(404, "voice_not_found", voices.NOT_FOUND)
    return serve_object(voice.object_key, range_header=request.headers.get("range"), content_type="audio/wav",
                        cache_control="private, max-age=3600")


def _read_for_preview(voice_id: str, org_id: str | None) -> VoiceRow | None:
    if org_id is None:  # a built-in voice (no organization)
        with system_session() as session:
            voice = voices.find_voice(session=session, voice_id=voice_id)
        return voice if voice is not None and voice.org_id is None else None
    with tenant_session(org_id) as session:
        return voices.find_voice(session=session, voice_id=voice_id)


@router.post("/add", response_model=AddVoiceResponse, summary="Add a voice from a recording",
             responses={**SUBSCRIPTION, 413: {"description": "The file is larger than the upload limit"}})
async def add_voice(
    caller: CurrentCaller,
    name: Annotated[str, Form(description="Shown in voice lists (at most 100 characters)")],
    files: Annotated[list[UploadFile], File(description="One recording (WAV, MP3, FLAC, OGG, M4A, WebM…), "
                                                        "10 seconds to 5 minutes, holding at least 10 seconds of "
                                                        "speech")],
    description: Annotated[str | None, Form(description="At most 500 characters")] = None,
    labels: Annotated[str | None, Form(description='JSON object, e.g. {"language": "en-GB", "use_case": '
                                                   '"audiobook"}; `language` a BCP-47 tag (default en-US), '
                                                   '`use_case` one of the voice categories (default general)')] = None,
    remove_background_noise: Annotated[bool | None, Form(description="Accepted and ignored")] = None,
) -> AddVoiceResponse:
    if len(files) != 1:  # the organization's limit on new voices is counted before the body (api/bodies.py)
        raise Invalid("Send exactly one recording in `files`: Resonance makes a voice from one sample.")
    upload = files[0]
    limit = get_settings().VOICE_MAX_BYTES
    data = await upload.read(limit + 1)
    language, category = _labels(labels)
    fields = VoiceFields(name=name, category=category, language=language, description=description or "")
    voice = await run_in_threadpool(cloning.create_custom_voice, actor=caller.principal, fields=fields, data=data,
                                    declared_type=upload.content_type)
    default_runner().notify()  # matching the new voice to the engine runs as a job
    kind = voice_labels.describe(voice, clones=voice_labels.active_engine().clones)
    return AddVoiceResponse(voice_id=voice.id, category=kind.category, matching=matching_out(kind.match))


def _labels(raw: str | None, *, language: str = "en-US",
            category: str = VoiceCategory.GENERAL) -> tuple[str, str]:
    """(language, category) from the labels JSON, the given ones where it names none; `Invalid` naming what is
    wrong."""
    if raw is None or not raw.strip() or raw.strip() == "null":
        return language, category
    try:
        labels = json.loads(raw)
    except ValueError:
        raise Invalid("labels must be a JSON object, e.g. {\"language\": \"en-US\"}") from None
    if not isinstance(labels, dict):
        raise Invalid("labels must be a JSON object, e.g. {\"language\": \"en-US\"}")
    default_category = category
    language = labels.get("language") or language
    if not isinstance(language, str) or not languages.is_known(language.strip()):
        raise Invalid(f"labels.language must be a BCP-47 language tag with a region, such as en-US or en-GB "
                      f"(got {language!r})")
    use_case = labels.get("use_case") or labels.get("category") or default_category
    category = use_case_category(use_case)
    if category is None:
        names = ", ".join(c.value.lower() for c in VoiceCategory)
        raise Invalid(f"labels.use_case must be one of: {names} (got {use_case!r})")
    return language.strip(), category


def use_case_category(value: object) -> str | None:
    """The voice category a `use_case` names (ours in any case, or ElevenLabs' name of it), None if none."""
    if not isinstance(value, str):
        return None
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key in _USE_CASE_ALIASES:
        return _USE_CASE_ALIASES[key]
    return key.upper() if key.upper() in VoiceCategory.__members__ else None


NOT_EDITABLE = "Built-in voices cannot be edited; add a voice of your own to change its name or labels."
KEY_WITHOUT_USER = "Only admins and the voice's creator can change it."


def _custom_voice_for_key(session, principal: Principal, voice_id: str, *, built_in: Exception) -> VoiceRow:
    """The organization's own voice `voice_id` (`built_in` is raised for a built-in one). A key whose creator was
    deleted made no voice: refused, rather than matching voices whose creator is gone too."""
    voice = voices.get_voice(session=session, voice_id=voice_id)
    if voice.variant != VoiceVariant.CUSTOM:
        raise built_in
    if principal.user_id is None:
        raise Forbidden(KEY_WITHOUT_USER)
    return voice


@router.post("/{voice_id}/edit", response_model=StatusResponse, summary="Edit a voice",
             responses={**SUBSCRIPTION, 400: {"description": "A built-in voice (`voice_not_editable`)"},
                        403: {"description": "Not a voice this key may change (`missing_permissions`)"},
                        413: {"description": "The file is larger than the upload limit"}})
async def edit_voice(
    voice_id: str,
    caller: CurrentCaller,
    name: Annotated[str, Form(description="At most 100 characters")],
    description: Annotated[str | None, Form(description="At most 500 characters; left as it is when not sent")]
    = None,
    labels: Annotated[str | None, Form(description="JSON object as in POST /v1/voices/add; `language` and "
                                                   "`use_case` left as they are when not sent")] = None,
    files: Annotated[list[UploadFile] | None, File(description="One new recording, checked as in POST "
                                                               "/v1/voices/add; the voice is matched again")] = None,
    remove_background_noise: Annotated[bool | None, Form(description="Accepted and ignored")] = None,
) -> StatusResponse:
    """Rename a voice, change its description or labels, or replace its recording, with the app's rules
    (resonance/voices/service.py): keys have Member rights, so only voices the key's creator made. A new recording
    is checked exactly as a new voice's; once accepted, the voice is matched to it again (`matching.status` back to
    `queued`, and text to speech answers 412 `voice_not_ready` until it is done). A refused recording changes
    nothing."""
    recording = None
    if files:
        if len(files) != 1:
            raise Invalid("Send exactly one recording in `files`: Resonance makes a voice from one sample.")
        # The body's cap (api/bodies.py) already stopped anything far larger; this read stops at the limit.
        recording = (await files[0].read(get_settings().VOICE_MAX_BYTES + 1), files[0].content_type)
    old_keys = await run_in_threadpool(_edit, caller.principal, voice_id, (name, description, labels), recording)
    if recording is not None:
        remove_files(old_keys)
        default_runner().notify()  # matching the new recording runs as a job
    return StatusResponse()


def _edit(principal: Principal, voice_id: str, fields: tuple[str, str | None, str | None],
          recording: tuple[bytes, str | None] | None) -> list[str]:
    """Apply the edit; with a recording, the old recording's storage keys to delete once committed."""
    name, description, labels = fields
    with tenant_session(principal.org_id) as session:
        voice = _custom_voice_for_key(session, principal, voice_id,
                                      built_in=ApiProblem(400, "voice_not_editable", NOT_EDITABLE))
        language, category = _labels(labels, language=voice.language, category=voice.category)
        kept = voice.description or "" if description is None else description
        changed = VoiceFields(name=name, category=category, language=language, description=kept)
        if recording is None:
            voices.update_voice(session=session, actor=principal, voice_id=voice_id, fields=changed)
            return []
        voices.get_custom_voice(session=session, actor=principal, voice_id=voice_id)  # the rights, before the limit
    # A new recording costs a match, like a new voice: it counts against the organization's limit on new voices.
    ratelimit.hit(ratelimit.VOICE_UPLOAD, principal.org_id)
    data, declared_type = recording
    return cloning.replace_recording(actor=principal, voice_id=voice_id, fields=changed, data=data,
                                     declared_type=declared_type)


@router.post("/{voice_id}/settings/edit", response_model=StatusResponse, summary="Edit a voice's settings")
def edit_settings(voice_id: str, settings: VoiceSettings, caller: CurrentCaller) -> StatusResponse:
    """Kept for the organization (ranges as in text to speech; fields not sent stay as they were). Any voice the
    organization sees, built-in ones too: each organization keeps its own settings of a shared voice. Text to speech
    speaks at the stored `speed` when a request sends none; only `speed` changes the audio. 404 for another
    organization's voice."""
    org_id = caller.principal.org_id
    with tenant_session(org_id) as session:
        stored_settings.store(session=session, org_id=org_id, voice_id=voice_id,
                              changes=settings.model_dump(exclude_none=True))
    return StatusResponse()


@router.delete("/{voice_id}", response_model=StatusResponse, summary="Delete a voice",
               responses={403: {"description": "Not a voice this key may delete (`missing_permissions`)"}})
def delete_voice(voice_id: str, caller: CurrentCaller) -> StatusResponse:
    """Delete one of the organization's voices that the key's creator made (through the app or this API): keys
    have Member rights. Its history items stay, with the voice's name."""
    principal: Principal = caller.principal
    with tenant_session(principal.org_id) as session:
        _custom_voice_for_key(session, principal, voice_id, built_in=NotFound(voices.NOT_FOUND))
        keys = voices.delete_voice(session=session, actor=principal, voice_id=voice_id)
    remove_files(keys)
    return StatusResponse()
