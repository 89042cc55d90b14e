"""Adding a custom voice from a recording: the whole use case, database and storage together.

The sample is checked and normalised before anything is written; the row and its files are written in one
transaction, and if anything fails the files already written are removed, so a failure leaves nothing behind.
Matching the voice to the engine then runs as a background job (voices.matching).
"""

from __future__ import annotations

import logging

from resonance.billing.service import record_usage, require_subscription
from resonance.core.errors import Invalid
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.storage import get_storage
from resonance.voices import keys, match_report
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.samples import prepare_sample
from resonance.voices.service import VoiceFields, validate_fields

log = logging.getLogger("resonance.voices")


def create_custom_voice(*, actor: Principal, fields: VoiceFields, data: bytes, declared_type: str | None) -> Voice:
    """Validate fields and audio, store both versions of the sample, and queue matching. Raises `Invalid`
    (bad fields or audio, with the original's messages) or the storage error; nothing stays behind on failure."""
    require_org(actor)
    clean = validate_fields(fields)
    if not data:
        raise Invalid("Please upload an audio file")
    require_subscription(actor.org_id)  # billing on: an active subscription (SubscriptionRequired otherwise)
    sample = prepare_sample(data, declared_type=declared_type)
    storage, written = get_storage(), []
    try:
        with tenant_session(actor.org_id) as session:
            voice = Voice(
                org_id=actor.org_id, variant=VoiceVariant.CUSTOM, created_by=actor.user_id, name=clean.name,
                category=clean.category, language=clean.language, description=clean.description or None,
                duration_s=round(sample.duration_s, 2), match_status="queued",
                # the matcher compares voices through the recording's bandwidth (a phone call's 8 kHz, say)
                match_report=match_report.dump({"recording": {"sample_rate": sample.sample_rate}}),
            )
            sample_key = keys.custom_sample(actor.org_id, voice.id)
            storage.put(keys.original(sample_key), data, sample.content_type)
            written.append(keys.original(sample_key))
            storage.put(sample_key, sample.wav, "audio/wav")
            written.append(sample_key)
            voice.object_key, voice.original_key = sample_key, keys.original(sample_key)
            session.add(voice)
            record_usage(session, org_id=actor.org_id, kind="voice_creation", characters=0, source_id=voice.id)
        return voice
    except BaseException:
        for key in written:
            try:
                storage.delete(key)
            except Exception:  # noqa: BLE001 - cleanup must not hide the original error
                log.exception("could not remove %s after a failed voice creation", key)
        raise
