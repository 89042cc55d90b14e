"""/docs/api: the public API for people: base URL and keys, endpoints, formats, errors, the subscription status, and
curl and `elevenlabs` SDK examples. The machine-readable description is /v1/openapi.json."""

from __future__ import annotations

import reflex as rx

from resonance.api.v1 import OPENAPI_PATH
from resonance.api.v1.formats import OutputFormat
from resonance.api.v1.schemas import MODEL_ID, UNLIMITED
from resonance.core import routes
from resonance.ui.components.settings import header_row, section
from resonance.ui.layout import dashboard
from resonance.ui.states.api_keys import ApiDocsState
from resonance.ui.states.auth import AuthState

ENDPOINTS = (
    ("GET", "/v1/voices", "Built-in voices (category premade) and the organization's own: matched (spoken by "
                          "Kokoro as a blend of its voices shaped to the recording, not a clone of it) or cloned "
                          "(with a cloning engine). Each has category_description (what it is, in a sentence), "
                          "labels, a signed preview_url (playable without a key for an hour) and, for your own, "
                          "matching: status (queued, running, done, failed), progress, similarity, error"),
    ("GET", "/v1/voices/{voice_id}", "One voice: poll it until matching.status is done"),
    ("POST", "/v1/voices/add", "Add a voice: multipart name, files (one recording, 10 s to 5 min), description, "
                               "labels (JSON: language such as en-GB, use_case such as audiobook) → voice_id, "
                               "category and matching (queued). A matched voice can speak once matching is done"),
    ("GET", "/v2/voices", "Search voices: search, sort (created_at_unix, name), sort_direction, page_size (≤ 100), "
                          "next_page_token, voice_type (personal, default…), category (premade, cloned…)"),
    ("POST", "/v1/voices/{voice_id}/edit", "Rename a voice the key's creator made, change its description or labels, "
                                           "or replace its recording (files: checked as a new voice's, then matched "
                                           "again)"),
    ("POST", "/v1/voices/{voice_id}/settings/edit", "Kept for the organization (built-in voices too, each "
                                                    "organization its own); text to speech uses the stored speed "
                                                    "when a request sends none"),
    ("DELETE", "/v1/voices/{voice_id}", "Delete a voice the key's creator made (keys have member rights)"),
    ("POST", "/v1/text-to-speech/{voice_id}", "JSON text (at most 5,000 characters), model_id, voice_settings "
                                              "(speed 0.5–2.0 is used; stability, similarity_boost, style and "
                                              "use_speaker_boost are accepted) and ?output_format → the audio"),
    ("POST", "/v1/text-to-speech/{voice_id}/stream", "The same, streamed: the first audio follows the first "
                                                     "sentence while the rest is being spoken"),
    ("GET", "/v1/history", "Generations from the app and the API, newest first: page_size (≤ 1000), "
                           "start_after_history_item_id, voice_id, date_after_unix, date_before_unix, search, source"),
    ("POST", "/v1/history/download", "JSON history_item_ids (1–50): one item's audio, or a zip of several (MP3; "
                                     "output_format wav for WAV)"),
    ("GET", "/v1/history/{history_item_id}", "One item"),
    ("GET", "/v1/history/{history_item_id}/audio", "Its audio as MP3 (409 audio_not_ready while it is spoken)"),
    ("DELETE", "/v1/history/{history_item_id}", "Delete an item and its audio"),
    ("GET", "/v1/models", f"The one model, {MODEL_ID}; ElevenLabs model ids (eleven_multilingual_v2, "
                          "eleven_flash_v2_5, …) are accepted as aliases of it"),
    ("GET", "/v1/user", "The key's organization as a user (workspace_id, seat_type workspace_member) with its "
                        "subscription"),
    ("GET", "/v1/user/subscription", "This period's characters, the limit and the status (below)"),
    ("GET", "/v1/voices/settings/default", "The settings used when a request sends none (speed 1.0)"),
    ("GET", "/v1/voices/{voice_id}/settings", "A voice's settings: voices keep none of their own, so the defaults"),
    ("POST", "/v1/audio/speech", "OpenAI-compatible (key as Authorization: Bearer): model (tts-1, tts-1-hd, "
                                 "gpt-4o-mini-tts), input, voice (a voice id or name, or alloy, ash, ballad, cedar, "
                                 "coral, echo, fable, marin, nova, onyx, sage, shimmer, verse), response_format (mp3, "
                                 "opus, aac, flac, wav, pcm: 24 kHz 16-bit), speed → streamed audio; errors in "
                                 "OpenAI's shape"),
)

ERRORS = (
    ("400", "voice_not_editable", "Editing a built-in voice"),
    ("401", "needs_authorization, invalid_api_key", "No key, or an unknown or revoked one"),
    ("402", "subscription_required", "Billing is on and the organization has no active subscription; an admin "
                                     "subscribes under Billing"),
    ("403", "missing_permissions", "Not allowed with a member's rights (deleting someone else's voice)"),
    ("404", "voice_not_found, history_item_not_found", "Unknown, or another organization's"),
    ("409", "audio_not_ready, history_item_cancelled", "The item's audio is still being generated, or it was "
                                                       "cancelled in the app and has none"),
    ("412", "voice_not_ready", "The voice is still being matched (detail.matching has its status and progress; "
                               "poll GET /v1/voices/{voice_id} after the seconds in Retry-After), or its matching "
                               "failed"),
    ("413", "file_too_large", "The recording is over the upload limit"),
    ("422", "invalid_request, model_not_found", "Invalid input; the message names the field"),
    ("429", "rate_limit_exceeded", "Over the key's request limit; wait the seconds in the Retry-After header"),
    ("502", "speech_failed", "Speech generation failed"),
)

SUBSCRIPTION = (
    ("Billing off", f"tier unlimited, status active, character_limit {UNLIMITED:,} (no limit), character_count this "
                    "calendar month's characters (UTC)"),
    ("Billing on, subscribed", f"tier pay_as_you_go, status active, character_limit {UNLIMITED:,} (billed per "
                               "character), character_count this billing period's, next_character_count_reset_unix "
                               "its end, estimated_cost"),
    ("Billing on, no subscription", "status free_disabled, character_limit 0: text to speech and adding voices "
                                    "answer 402 subscription_required"),
)


def _table(titles: tuple[str, ...], rows: tuple[tuple[str, ...], ...], *, code_columns: int = 1) -> rx.Component:
    return rx.table.root(
        header_row(*titles),
        rx.table.body(*[
            rx.table.row(*[rx.table.cell(rx.code(cell) if i < code_columns else rx.text(cell, size="2"))
                           for i, cell in enumerate(row)])
            for row in rows
        ]),
        width="100%", variant="surface", size="1",
    )


def _code(text, language: str) -> rx.Component:
    # Highlighting themes whose every token colour (comments included) reaches AA contrast on its background;
    # Reflex's default pair, and `vs`, do not.
    theme = rx.color_mode_cond(light=rx.code_block.themes.coldark_cold, dark=rx.code_block.themes.a11y_dark)
    return rx.code_block(text, language=language, wrap_long_lines=True, width="100%", theme=theme)


def api_docs_page() -> rx.Component:
    formats = ", ".join(f.value for f in OutputFormat)
    return dashboard(
        section(
            "Getting started",
            "Resonance speaks ElevenLabs' v1 API, so ElevenLabs SDKs and tools work by pointing them at this server.",
            rx.text("Base URL: ", rx.code(ApiDocsState.base_url, id="api-docs-base-url"), size="2"),
            rx.text("Authentication: send an organization API key in the ", rx.code("xi-api-key"), " header. ",
                    rx.cond(AuthState.is_admin,
                            rx.fragment("Create one under ", rx.link("API keys", href=routes.API_KEYS), "."),
                            rx.fragment("Ask an admin of your organization for one.")),
                    " A key acts for its organization with a member's rights; its usage is billed like the app's.",
                    size="2"),
            rx.text("Machine-readable description (OpenAPI 3): ",
                    rx.link(OPENAPI_PATH, href=OPENAPI_PATH, is_external=True), size="2"),
        ),
        section("Python (elevenlabs SDK)", "pip install elevenlabs", _code(ApiDocsState.python_example, "python")),
        section("curl", "The same request from a shell.", _code(ApiDocsState.curl_example, "bash")),
        section("Endpoints", "Every path is relative to the base URL.",
                _table(("Method", "Path", "What it does"), ENDPOINTS, code_columns=2)),
        section("Output formats",
                "The output_format query parameter of the text-to-speech endpoints (default mp3_44100_128). pcm_* is "
                "raw 16-bit little-endian mono samples without a header (audio/pcm); wav_* a 16-bit mono WAV file "
                "(audio/wav; streamed, its size fields read 0xFFFFFFFF); ulaw_8000 and alaw_8000 raw G.711 bytes "
                "for telephony (audio/basic, audio/x-alaw-basic); opus_48000_* Ogg Opus (audio/ogg); mp3_* "
                "audio/mpeg. Other values answer 422.",
                rx.text(formats, size="2", font_family="monospace")),
        section("Errors",
                'Errors have ElevenLabs\' shape: {"detail": {"status": "...", "message": "..."}}. ElevenLabs SDKs '
                "raise them as ApiError with status_code and body; they retry 429 (after Retry-After), 409 and 5xx "
                "on their own.",
                _table(("Status", "detail.status", "Meaning"), ERRORS, code_columns=2)),
        section("Subscription and limits",
                "GET /v1/user/subscription in each billing situation. Text is at most 5,000 characters per request; "
                "each key may make a set number of requests per time window (60 per minute unless the server is "
                "configured otherwise).",
                _table(("When", "What it reports"), SUBSCRIPTION, code_columns=0)),
        title="API",
    )
