"""A voice deleted while its match runs: the job (a stand-in matcher, held at a known point) writes nothing of it
afterwards, whenever the deletion lands; storage and the voices table hold nothing of it once the job has ended.
On SQLite and PostgreSQL, local storage."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.orgs.scope import system_session, tenant_session
from resonance.speech import audio
from resonance.speech.engine import decode_sidecar, sidecar_key
from resonance.speech.kokoro_voices import Shape
from resonance.storage import get_storage
from resonance.storage.cleanup import remove_files
from resonance.voices import keys, matching, service
from resonance.voices.likeness.embedders import Scores
from resonance.voices.models import Voice, VoiceVariant
from tests.factories import get, make_org, make_user, signed_in
from tests.races import Gate, hold_put, in_thread, stored

SHAPE = Shape({"am_michael": 0.7, "am_adam": 0.3}, {"am_michael": 1.0})
RESULT = matching.MatchResult(shape=SHAPE, held_back=Scores(0.8, 0.7), start=Scores(0.6, 0.5),
                              found=Scores(0.7, 0.6), pitch_hz=110.0, syntheses=3, seconds=1.0, accepted_steps=0,
                              cer=0.0)


def uploaded_voice(org) -> Voice:
    """A custom voice whose recording is stored and whose match is queued, as an upload leaves it."""
    voice = Voice(org_id=org.id, name="Ada", variant=VoiceVariant.CUSTOM, match_status="queued")
    voice.object_key = keys.custom_sample(org.id, voice.id)
    voice.original_key = keys.original(voice.object_key)
    wav = audio.to_wav(np.full(16000, 0.1, np.float32), 16000)
    get_storage().put(voice.object_key, wav, "audio/wav")
    get_storage().put(voice.original_key, wav, "audio/wav")
    with system_session() as session:
        session.add(voice)
    return voice


@pytest.fixture
def team(db):
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    return org, signed_in(admin, org)[0]


def held_matcher(monkeypatch, gate: Gate | None) -> None:
    """The matcher holds at `gate` (if any) mid-match, then returns a fixed result (the real one is
    tests/voices/test_matching.py's: minutes of synthesis)."""
    def match(*_args, on_progress=lambda fraction: None, **_kwargs):
        on_progress(0.5)
        if gate is not None:
            gate.hold()
        return RESULT

    monkeypatch.setattr(matching, "match_recording", match)


def delete(principal, voice_id: str) -> None:
    """What the voices page and DELETE /v1/voices/{id} do: the row in a transaction, the files after it."""
    with tenant_session(principal.org_id) as session:
        doomed = service.delete_voice(session=session, actor=principal, voice_id=voice_id)
    remove_files(doomed)


@pytest.mark.parametrize("point", ["while it matches", "while its sidecar is stored"])
def test_a_voice_deleted_while_its_match_runs_leaves_no_file_and_no_row(team, monkeypatch, point):
    org, principal = team
    voice = uploaded_voice(org)
    gate = Gate()
    if point == "while it matches":
        held_matcher(monkeypatch, gate)
    else:  # the match is over, the row was found, the sidecar is being written
        held_matcher(monkeypatch, None)
        hold_put(monkeypatch, gate, lambda key: key == sidecar_key(voice.object_key))
    assert matching.MATCH_JOBS.claim_next() == voice.id
    join = in_thread(lambda: matching.run_match(voice.id))
    gate.arrived(join)

    delete(principal, voice.id)
    gate.release()
    join()

    assert get(Voice, voice.id) is None
    assert stored(org.id) == []


def test_without_a_deletion_the_held_match_stores_its_voice(team, monkeypatch):
    """The stand-in matcher goes the job's whole way: the sidecar and the row are written."""
    org, _ = team
    voice = uploaded_voice(org)
    held_matcher(monkeypatch, None)
    assert matching.MATCH_JOBS.claim_next() == voice.id
    matching.run_match(voice.id)
    done = get(Voice, voice.id)
    assert (done.match_status, done.match_progress, done.similarity) == ("done", 1.0, 0.7)
    assert decode_sidecar(get_storage().get(sidecar_key(voice.object_key))) == SHAPE.spec()
    assert stored(org.id) == sorted([voice.object_key, voice.original_key, sidecar_key(voice.object_key)])
