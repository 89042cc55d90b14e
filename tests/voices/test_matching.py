"""Voice matching with the real engine and embedder: a recording of a stock voice is matched back to that voice."""

from __future__ import annotations

import logging
import re

import pytest

from resonance.jobs.runner import Runner
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import EngineVoice, decode_sidecar, sidecar_key
from resonance.speech.kokoro import KokoroEngine
from resonance.storage import get_storage
from resonance.ui.states.voices import voice_view
from resonance.voices import matching
from resonance.voices.likeness.dvector import embed
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.voicespec import load_spec
from tests.factories import get, make_org, make_user

RECORDING = ("Good morning everyone. Today I would like to tell you a short story about a lighthouse keeper "
             "who lived alone on a rocky island, far away from the busy harbour town.")


@pytest.fixture(scope="module")
def recording() -> tuple:
    """About ten seconds of am_michael, at 24 kHz, as a person's upload would be after normalising."""
    chunks = list(KokoroEngine().synthesize(RECORDING, EngineVoice("", "am_michael")))
    return audio.concat([c.samples for c in chunks], chunks[0].sample_rate), chunks[0].sample_rate


def test_the_stock_voice_that_spoke_ranks_first(recording):
    samples, rate = recording
    target = embed(audio.resample(samples, rate, 16000))
    ranked = sorted(matching.stock_embeddings().items(), key=lambda kv: -float(kv[1] @ target))
    assert ranked[0][0] == "am_michael"


def test_candidates_start_with_the_best_voice_and_are_normalised_blends():
    ranked = [("am_michael", 0.9), ("am_adam", 0.8), ("am_eric", 0.7), ("bm_george", 0.6), ("af_heart", 0.1)]
    found = matching.candidates(ranked, 6)
    assert found[0] == {"am_michael": 1.0} and len(found) == 6
    for blend in found:
        assert set(blend) <= {"am_michael", "am_adam", "am_eric", "bm_george"}
        assert abs(sum(blend.values()) - 1.0) < 0.01


def test_the_match_job_stores_the_blend_its_similarity_and_the_sidecar(sqlite_db, configure, recording):
    configure(MATCH_CANDIDATES=3)
    samples, rate = recording
    org = make_org(admin=make_user())
    key = f"voices/orgs/{org.id}/voi_test"
    get_storage().put(key, audio.to_wav(samples, rate), "audio/wav")
    voice = Voice(org_id=org.id, name="Michael-ish", variant=VoiceVariant.CUSTOM, object_key=key,
                  match_status="queued")
    with system_session() as session:
        session.add(voice)
    assert matching.MATCH_JOBS.claim_next() == voice.id
    matching.run_match(voice.id)
    done = get(Voice, voice.id)
    assert (done.match_status, done.match_progress, done.match_error) == ("done", 1.0, "")
    spec = load_spec(done)
    assert "am_michael" in spec and 0.8 <= done.similarity <= 1.0
    assert decode_sidecar(get_storage().get(sidecar_key(key))) == spec


def test_a_voice_whose_audio_is_gone_fails_with_a_reference_and_the_log_has_the_key(sqlite_db, caplog):
    """Attack: the failure names a storage key; the voice card shows a stable message and a reference only."""
    org = make_org(admin=make_user())
    key = f"voices/orgs/{org.id}/gone"
    voice = Voice(org_id=org.id, name="Lost", variant=VoiceVariant.CUSTOM, object_key=key, match_status="queued")
    with system_session() as session:
        session.add(voice)
    caplog.set_level(logging.INFO, logger="resonance")
    assert Runner([matching.MATCH_JOBS]).run_pending() == 1
    failed = get(Voice, voice.id)
    match = re.fullmatch(r"Voice matching failed\. Reference: ([0-9a-f]{8})", failed.match_error)
    assert failed.match_status == "failed" and match, failed.match_error
    member = Principal("usr_1", "m@example.com", "Max", "ses_1", org.id, "Acme", "member")
    assert voice_view(failed, member)["match_error"] == failed.match_error  # what the voice card shows
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert voice.id in record.getMessage() and key in caplog.text  # the detail, under the same reference
