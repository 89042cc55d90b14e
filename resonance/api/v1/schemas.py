"""Request and response bodies of the public API, in ElevenLabs' v1 shapes (the fields its SDK reads).

Fields ElevenLabs has and Resonance does not use are either left out or given a fixed, documented value; request
fields that ElevenLabs clients send and Resonance does not use (`seed`, `previous_text`, ...) are accepted and ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from resonance.generations.service import MAX_CHARS

UNLIMITED = 2_147_483_647  # what a limit reads when there is none (billing off, or pay as you go)
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


class Voice(BaseModel):
    voice_id: str
    name: str
    category: Literal["premade", "cloned"] = Field(
        description="`premade` for Resonance's built-in voices, `cloned` for the organization's own")
    description: str | None = None
    labels: dict[str, str] = Field(
        description="`language` (BCP-47, e.g. en-US), `accent`, `use_case` (the voice's category, e.g. audiobook)")
    preview_url: str | None = Field(
        None, description="Absolute URL of the voice's sample (WAV), signed and valid for an hour; no key needed")
    available_for_tiers: list[str] = []
    settings: VoiceSettings | None = None
    high_quality_base_model_ids: list[str] = []
    is_owner: bool = Field(description="True for the organization's own voices")
    is_legacy: bool = False
    created_at_unix: int | None = None


class GetVoicesResponse(BaseModel):
    voices: list[Voice]


class AddVoiceResponse(BaseModel):
    voice_id: str
    requires_verification: bool = False


class StatusResponse(BaseModel):
    status: Literal["ok"] = "ok"


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
    voice_category: Literal["premade", "cloned"] | None = None
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
