"""What the text-to-speech editor, its history and the generation page show and do: voice options, the engine note,
queueing in the actor's organization, history rows, file clean-up, durations."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest

from resonance.core.errors import Invalid, NotFound
from resonance.generations import files
from resonance.generations.models import Generation
from resonance.generations.submit import submit_generation
from resonance.speech.engine import Capabilities, SpeechInputError, SpeechParams
from resonance.speech.kokoro import CAPABILITIES as KOKORO
from resonance.speech.remote import CONTRACT_CAPABILITIES as REMOTE
from resonance.storage import cleanup, get_storage
from resonance.ui import avatars, formatting
from resonance.ui.states import tts, tts_history
from resonance.voices.models import Voice, VoiceVariant
from tests.factories import all_rows, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice


@pytest.fixture
def team(sqlite_db):
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    principal, _ = signed_in(admin, org)
    return org, principal


@pytest.fixture
def queued(monkeypatch):
    """The editor's queueing with the stand-in engine and a runner that only counts wake-ups."""
    woken = []
    from resonance.generations import submit

    monkeypatch.setattr(submit, "get_engine", lambda: ToneEngine())
    monkeypatch.setattr(submit, "default_runner", lambda: type("R", (), {"notify": lambda self: woken.append(1)})())
    return woken


def test_voice_options_say_name_and_category_label_with_a_seeded_avatar():
    voice = Voice(id="voi_1", name="Anaya", category="CUSTOMER_SERVICE", variant=VoiceVariant.SYSTEM)
    assert tts.voice_option(voice) == tts.VoiceOption(id="voi_1", name="Anaya", label="Anaya - Customer Service",
                                                      background=avatars.glass("voi_1"))


def test_the_note_names_exactly_the_controls_the_engine_ignores():
    kokoro = tts.ignored_note(KOKORO.label, sorted(KOKORO.params), KOKORO.supports_speed)
    assert "Kokoro-82M" in kokoro
    assert "ignores Creativity, Voice Variety, Expression Range and Natural Flow" in kokoro and "Speed" not in kokoro
    remote = tts.ignored_note(REMOTE.label, sorted(REMOTE.params), REMOTE.supports_speed)
    assert "ignores Speed: the value does not change its audio" in remote
    assert tts.ignored_note("Everything", list(tts.SLIDERS), True) == ""


def test_only_voices_the_engine_can_speak_now_are_offered():
    matching = Voice(name="New", variant=VoiceVariant.CUSTOM, object_key="voices/orgs/o/v", engine_voice=None)
    no_audio = Voice(name="Empty", variant=VoiceVariant.CUSTOM, object_key=None, engine_voice='"af_heart"')
    ready = Voice(name="Ready", variant=VoiceVariant.CUSTOM, object_key="voices/orgs/o/w", engine_voice='"af_heart"')
    kokoro = KOKORO
    cloning = Capabilities(name="remote", label="Remote", sample_rate=24000, clones=True)
    assert [tts._ready(v, kokoro) for v in (matching, no_audio, ready)] == [False, False, True]
    assert [tts._ready(v, cloning) for v in (matching, no_audio, ready)] == [True, False, True]


def test_generate_queues_trimmed_text_in_the_actors_organization_and_wakes_the_runner(team, queued):
    org, principal = team
    voice = ready_voice()
    params = SpeechParams(temperature=1.5, top_p=0.5, top_k=2000, repetition_penalty=1.7, speed=1.25)
    generation_id = submit_generation(principal, "  Hello there.  ", voice.id, params)
    stored = all_rows(Generation, id=generation_id)[0]
    assert (stored.org_id, stored.text, stored.status, stored.voice_name) == (org.id, "Hello there.", "queued", "Aaron")
    assert (stored.temperature, stored.top_p, stored.top_k, stored.repetition_penalty, stored.speed) == (
        1.5, 0.5, 2000, 1.7, 1.25)  # stored even where the engine ignores them
    assert queued == [1]
    assert tts.generation_url(generation_id) == f"/text-to-speech/{generation_id}"


def test_another_organizations_voice_is_not_found_and_nothing_is_queued(team, queued):
    _, principal = team
    other = make_org(admin=make_user(name="Eve"), name="Other")
    foreign = ready_voice(other, name="Secret")
    with pytest.raises(NotFound, match="Voice not found"):
        submit_generation(principal, "Hello.", foreign.id, SpeechParams())
    with pytest.raises(Invalid, match="Please select a voice"):
        submit_generation(principal, "Hello.", "", SpeechParams())
    assert all_rows(Generation) == [] and queued == []


def test_out_of_range_values_are_refused_with_the_controls_name():
    with pytest.raises(SpeechInputError, match=r"Speed \(speed\) must be between 0.5 and 2"):
        SpeechParams(speed=3.0)


def test_a_history_row_is_display_data_only(clock):
    text = "A long text. " * 40
    generation = Generation(id="gen_1", org_id="org_secret", voice_id=None, voice_name="Gone Voice", text=text,
                            status="running", object_key="generations/orgs/org_secret/gen_1",
                            created_at=clock.now() - timedelta(minutes=5))
    row = tts_history.history_row(generation)
    assert {field.name for field in fields(row)} == {"id", "text", "voice_name", "background", "created", "status"}
    assert "org_secret" not in str(row)
    assert row.text.endswith("…") and len(row.text) == tts_history.PREVIEW_CHARS
    assert (row.voice_name, row.status) == ("Gone Voice", "running")
    assert row.created == formatting.iso(clock.now() - timedelta(minutes=5))  # the browser says "5 minutes ago"
    assert row.background == avatars.glass("Gone Voice")  # the deleted voice keeps a picture


def test_deleting_removes_the_audio_and_every_chunk_and_survives_storage_errors(sqlite_db, monkeypatch):
    storage = get_storage()
    generation = Generation(id="gen_9", org_id="org_1", voice_name="A", text="x")
    keys = [files.audio_key("org_1", "gen_9"), files.chunk_prefix("org_1", "gen_9")]
    for key in (keys[0], files.chunk_key(generation, 0), files.chunk_key(generation, 1)):
        storage.put(key, b"RIFF", "audio/wav")
    cleanup.remove_files(keys)
    assert not any(storage.exists(k) for k in (keys[0], files.chunk_key(generation, 0), files.chunk_key(generation, 1)))

    def broken(key):
        raise OSError("disk gone")
    monkeypatch.setattr(type(storage), "delete", lambda self, key: broken(key))
    cleanup.remove_files(["generations/orgs/org_1/gen_8"])  # logged, not raised


def test_durations_read_as_minutes_and_seconds():
    assert [formatting.duration(s) for s in (None, 0, 9.6, 83, 600)] == ["00:00", "00:00", "00:10", "01:23", "10:00"]
