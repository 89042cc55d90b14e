"""Request and response bodies of the public API, in ElevenLabs' v1 shapes (the fields its SDK reads).

Fields ElevenLabs has and Resonance does not use are either left out or given a fixed, documented value; request
fields that ElevenLabs clients send and Resonance does not use (`seed`, `previous_text`, ...) are accepted and ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from resonance.generations.service import MAX_CHARS
from resonance.voices import labels

UNLIMITED = 2_147_483_647  # what a limit reads when there is none (billing off, or pay as you go)
MAX_DOWNLOAD = 50  # history items in one POST /v1/history/download: the zip is built in memory
MODEL_ID = "resonance_v1"  # the one model: the configured speech engine (Kokoro-82M by default)


# Voices


class VoiceSettings(BaseModel):
    """ElevenLabs' voice settings. Resonance's engine uses `speed`; the others are accepted (and must be in range)
    so that existing clients work, but do not change the audio."""

    model_config = ConfigDict(extra="ignore")

    stability: float | None = Field(None, ge=0, le=1)
    similarity_boost: float | None = Field(None, ge=0, le=1)
    style: float | None = Field(None, ge=0, le=1)
    use_speaker_boost: bool | None = None
    speed: float | None = Field(None, ge=0.5, le=2.0, description="Speaking rate, 1.0 normal (0.5–2.0)")


# What GET /v1/voices/settings/default answers, and /v1/voices/{voice_id}/settings for what the organization has not
# set. Only `speed` changes the audio; the others are ElevenLabs' defaults.
DEFAULT_VOICE_SETTINGS = VoiceSettings(stability=0.5, similarity_boost=0.75, style=0.0, use_speaker_boost=True,
                                       speed=1.0)


Category = Literal["premade", "matched", "cloned"]
CATEGORY_DESCRIPTION = (
    "`premade`: a built-in voice. `matched`: the organization's own voice, spoken by Kokoro as a blend of its stock "
    "voices shaped to the recording; not a clone of it. `cloned`: the organization's own voice, spoken by a cloning "
    "engine from the recording itself. ElevenLabs SDKs accept `matched` (their category also allows values they do "
    "not list).")


class Matching(BaseModel):
    """Where a custom voice's match to Kokoro's voices stands: poll GET /v1/voices/{voice_id} until `status` is
    `done` (a `matched` voice can speak from then on) or `failed`. A `cloned` voice speaks from the recording at
    once; `fine_tuning.state` says for every voice whether it can speak now."""

    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1, description="0 to 1")
    similarity: float | None = Field(
        None, description=f"Once done, 0 to 1: how alike the voice and the recording sound. {labels.SIMILARITY_SCALE} "
                          "Null while matching, and for voices matched before this was measured")
    error: str = Field("", description="Why matching failed; empty otherwise")


class FineTuning(BaseModel):
    """ElevenLabs' readiness field for its one model (`state`, `progress`, `message` keyed by model id):
    `fine_tuned` once text-to-speech can use the voice, `queued`/`fine_tuning` while it is being matched,
    `failed` if matching failed."""

    is_allowed_to_fine_tune: bool = False
    state: dict[str, Literal["queued", "fine_tuning", "fine_tuned", "failed"]]
    progress: dict[str, float]
    message: dict[str, str]


class Voice(BaseModel):
    voice_id: str
    name: str
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    category_label: str = Field(description="The category in words, as the app shows it: `Built-in`, `Matched "
                                            "voice` or `Cloned`")
    category_description: str = Field(
        description="What the voice is in one sentence, e.g. \"Matched voice: a blend of Kokoro voices Aaron, Laura "
                    "and Walter shaped to your pitch; not a clone of your recording.\"; while matching, \"Being "
                    "matched to Kokoro voices…\"; if matching failed, why")
    description: str | None = Field(None, description="The description the organization gave the voice")
    labels: dict[str, str] = Field(
        description="`language` (BCP-47, e.g. en-US), `accent`, `use_case` (the voice's category, e.g. audiobook)")
    preview_url: str | None = Field(
        None, description="Absolute URL of the voice's sample (WAV), signed and valid for an hour; no key needed")
    matching: Matching | None = Field(None, description="The organization's own voices: the match to Kokoro's "
                                                        "voices. Null for built-in voices")
    fine_tuning: FineTuning | None = Field(None, description="The organization's own voices: whether text-to-speech "
                                                             "can use the voice now, in ElevenLabs' shape")
    available_for_tiers: list[str] = []
    settings: VoiceSettings | None = None
    high_quality_base_model_ids: list[str] = []
    is_owner: bool = Field(description="True for the organization's own voices")
    is_legacy: bool = False
    created_at_unix: int | None = None


class GetVoicesResponse(BaseModel):
    voices: list[Voice]


class GetVoicesV2Response(BaseModel):
    voices: list[Voice]
    has_more: bool
    total_count: int = Field(description="Voices matching the query, on every page")
    next_page_token: str | None = Field(None, description="Pass as `next_page_token` for the next page; null on the "
                                                          "last")


class AddVoiceResponse(BaseModel):
    voice_id: str
    requires_verification: bool = False
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    matching: Matching = Field(description="The new voice's match, queued: poll GET /v1/voices/{voice_id} for it")


class StatusResponse(BaseModel):
    status: Literal["ok"] = "ok"


class DownloadHistoryRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    history_item_ids: list[str] = Field(min_length=1, max_length=MAX_DOWNLOAD,
                                        description=f"1–{MAX_DOWNLOAD} of the organization's items")
    output_format: Literal["default", "mp3", "wav"] | None = Field(
        None, description="`default`/`mp3` (MP3, 44.1 kHz, 128 kb/s, the default) or `wav` (16-bit, 44.1 kHz)")


# Text to speech


class TextToSpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(max_length=MAX_CHARS, description=f"The text to speak, at most {MAX_CHARS:,} characters")
    model_id: str | None = Field(
        None, description="`resonance_v1` (default); ElevenLabs model ids (`eleven_multilingual_v2`, "
                          "`eleven_turbo_v2_5`, `eleven_flash_v2_5`, `eleven_v3`, …) are accepted as aliases of it")
    language_code: str | None = Field(None, description="Accepted and ignored: the voice decides the language")
    voice_settings: VoiceSettings | None = None
    seed: int | None = Field(None, description="Accepted and ignored (the engine is deterministic)")


# History


class HistoryItem(BaseModel):
    history_item_id: str
    request_id: str | None = None
    voice_id: str | None = Field(None, description="Null once the voice has been deleted")
    model_id: str | None = None
    voice_name: str | None = None
    voice_category: Category | None = Field(None, description="The voice's category, as in GET /v1/voices; null once "
                                                              "the voice has been deleted")
    text: str | None = None
    date_unix: int
    character_count_change_from: int = Field(description="Always 0: Resonance does not keep a running count per "
                                                         "item")
    character_count_change_to: int = Field(description="Characters this item counts for")
    content_type: str = Field(description="Of GET /v1/history/{id}/audio: `audio/mpeg`")
    state: Literal["created", "processing", "failed"] = Field(
        description="`created` once the audio is ready, `processing` before, `failed` if speaking it failed")
    settings: dict[str, float] | None = None
    source: Literal["TTS"] = "TTS"


class GetHistoryResponse(BaseModel):
    history: list[HistoryItem]
    last_history_item_id: str | None = None
    has_more: bool
    scanned_until: int | None = None


# Models and subscription


class Language(BaseModel):
    language_id: str
    name: str


class ModelRates(BaseModel):
    character_cost_multiplier: float = 1.0


class Model(BaseModel):
    model_id: str
    name: str
    description: str
    can_be_finetuned: bool = False
    can_do_text_to_speech: bool = True
    can_do_voice_conversion: bool = False
    can_use_style: bool = False
    can_use_speaker_boost: bool = False
    serves_pro_voices: bool = False
    token_cost_factor: float = 1.0
    requires_alpha_access: bool = False
    max_characters_request_free_user: int = MAX_CHARS
    max_characters_request_subscribed_user: int = MAX_CHARS
    maximum_text_length_per_request: int = MAX_CHARS
    languages: list[Language]
    model_rates: ModelRates = ModelRates()
    concurrency_group: str = "standard"


class Price(BaseModel):
    amount: str
    currency: Literal["usd"] = "usd"


class Subscription(BaseModel):
    tier: str = Field(description="`unlimited` when billing is off, else `pay_as_you_go`")
    character_count: int = Field(description="Characters generated in the current period")
    character_limit: int = Field(description=f"{UNLIMITED:,} means no limit; 0 when a subscription is required")
    max_character_limit_extension: int | None = None
    max_credit_limit_extension: int | Literal["unlimited"] = "unlimited"
    can_extend_character_limit: bool = False
    allowed_to_extend_character_limit: bool = False
    next_character_count_reset_unix: int | None = Field(None, description="End of the current period")
    voice_slots_used: int = Field(description="The organization's own voices")
    professional_voice_slots_used: int = 0
    professional_voice_slots_used_in_workspace: int = 0
    voice_limit: int = UNLIMITED
    voice_add_edit_counter: int = 0
    professional_voice_limit: int = 0
    can_extend_voice_limit: bool = False
    can_use_instant_voice_cloning: bool = True
    can_use_professional_voice_cloning: bool = False
    currency: Literal["usd"] = "usd"
    current_overage: Price = Price(amount="0.00")
    status: Literal["active", "free_disabled"] = Field(
        description="`active` when the organization can generate; `free_disabled` when billing is on and it has no "
                    "active subscription")
    billing_period: Literal["monthly_period"] = "monthly_period"
    character_refresh_period: Literal["monthly_period"] = "monthly_period"
    open_invoices: list[dict] = []
    has_open_invoices: bool = False
    estimated_cost: Price | None = Field(None, description="Resonance: this period's estimated cost, billing on")


class User(BaseModel):
    """ElevenLabs' user, read as "the API key's organization": Resonance has no per-key user to show."""

    user_id: str = Field(description="The key creator's user id; the key's id once that account is deleted")
    workspace_id: str = Field(description="The organization's id")
    subscription: Subscription
    is_new_user: bool = False
    can_use_delayed_payment_methods: bool = False
    is_onboarding_completed: bool = True
    is_onboarding_checklist_completed: bool = True
    first_name: str | None = None
    is_api_key_hashed: bool = Field(True, description="Keys are stored as digests: the secret is never shown again")
    xi_api_key_preview: str | None = Field(None, description="The key's prefix, as the app's API keys page shows it")
    created_at: int = Field(description="When the organization was created (Unix seconds)")
    seat_type: Literal["workspace_member"] = Field("workspace_member", description="A key has Member rights")
