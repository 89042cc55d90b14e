"""Adding a custom voice from a recording, or replacing a voice's recording: the whole use case, database and storage
together.

The sample is checked and normalised before anything is written; the row and its files are written in one
transaction, and if anything fails the files already written are removed, so a failure leaves nothing behind.
Matching the voice to the engine then runs as a background job (voices.matching). A replaced recording is written
under new keys: the voice keeps its old recording and match until the new one is accepted and committed, and the old
files are removed only then (by the caller, from the keys returned).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from resonance.billing.service import record_usage, require_subscription
from resonance.core.errors import Invalid
from resonance.core.ids import new_id
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.storage import get_storage
from resonance.voices import keys, match_report
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.sample_rules import EMPTY
from resonance.voices.samples import PreparedSample, prepare_sample
from resonance.voices.service import (
    VoiceFields,
    get_custom_voice,
    recording_keys,
    update_voice,
    validate_fields,
)

log = logging.getLogger("resonance.voices")


def create_custom_voice(*, actor: Principal, fields: VoiceFields, data: bytes, declared_type: str | None) -> Voice:
    """Validate fields and audio, store both versions of the sample, and queue matching. Raises `Invalid`
    (bad fields or audio, with the messages people know) or the storage error; nothing stays behind on failure."""
    require_org(actor)
    clean = validate_fields(fields)
    if not data:
        raise Invalid(EMPTY)
    require_subscription(actor.org_id)  # billing on: an active subscription (SubscriptionRequired otherwise)
    sample = prepare_sample(data, declared_type=declared_type)
    with _written() as put:
        with tenant_session(actor.org_id) as session:
            voice = Voice(
                org_id=actor.org_id, variant=VoiceVariant.CUSTOM, created_by=actor.user_id, name=clean.name,
                category=clean.category, language=clean.language, description=clean.description or None,
            )
            _attach(voice, keys.custom_sample(actor.org_id, voice.id), data, sample, put)
            session.add(voice)
            record_usage(session, org_id=actor.org_id, kind="voice_creation", characters=0, source_id=voice.id)
    return voice


def replace_recording(*, actor: Principal, voice_id: str, fields: VoiceFields, data: bytes,
                      declared_type: str | None) -> list[str]:
    """Give a custom voice the actor may change a new recording (and `fields`), checked exactly as a new voice's,
    and queue its matching again. Returns the old recording's storage keys, for the caller to delete once this has
    committed. Raises what `create_custom_voice` raises, or `NotFound`/`Forbidden`, with the voice untouched."""
    require_org(actor)
    clean = validate_fields(fields)
    with tenant_session(actor.org_id) as session:
        get_custom_voice(session=session, actor=actor, voice_id=voice_id)  # the rights before decoding anything
    if not data:
        raise Invalid(EMPTY)
    require_subscription(actor.org_id)
    sample = prepare_sample(data, declared_type=declared_type)
    with _written() as put:
        with tenant_session(actor.org_id) as session:
            voice = update_voice(session=session, actor=actor, voice_id=voice_id, fields=clean)
            old = recording_keys(voice)
            # The old match no longer describes the voice: it speaks again once the new recording is matched.
            voice.engine_voice, voice.similarity = None, None
            _attach(voice, keys.custom_sample(actor.org_id, voice.id, new_id("rec")), data, sample, put)
            session.add(voice)
    return old


def _attach(voice: Voice, sample_key: str, data: bytes, sample: PreparedSample, put) -> None:
    """Store the upload and its normalised audio under `sample_key` and point the voice at them, queued for
    matching."""
    put(keys.original(sample_key), data, sample.content_type)
    put(sample_key, sample.wav, "audio/wav")
    voice.object_key, voice.original_key = sample_key, keys.original(sample_key)
    voice.duration_s = round(sample.duration_s, 2)
    voice.match_status, voice.match_progress, voice.match_error = "queued", 0.0, ""
    # the matcher compares voices through the recording's bandwidth (a phone call's 8 kHz, say)
    voice.match_report = match_report.dump({"recording": {"sample_rate": sample.sample_rate}})


@contextmanager
def _written() -> Iterator:
    """A `put(key, data, content_type)` for the block; if the block fails, what it stored is removed again."""
    storage, written = get_storage(), []

    def put(key: str, data: bytes, content_type: str) -> None:
        storage.put(key, data, content_type)
        written.append(key)

    try:
        yield put
    except BaseException:
        for key in written:
            try:
                storage.delete(key)
            except Exception:  # noqa: BLE001 - cleanup must not hide the original error
                log.exception("could not remove %s after a failed voice upload", key)
        raise
