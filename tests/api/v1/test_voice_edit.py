"""Editing a voice through the SDK (`voices.update`, `voices.settings.update`): the app's rules (Member rights: the
key's creator's own voices), built-in voices refused in ElevenLabs' shape, another organization's voice 404."""

from __future__ import annotations

import httpx
import pytest
from elevenlabs import VoiceSettings

from resonance.orgs.scope import system_session
from resonance.voices.models import Voice
from tests.api.v1.test_voices import NO_RETRY, refused
from tests.factories import add_member, get, make_user
from tests.generations.conftest import ready_voice
from tests.speech_samples import speech_wav


def own_voice(team, *, name: str = "Studio Ada", created_by: str | None = None) -> Voice:
    voice = ready_voice(team.org, name=name)
    with system_session() as session:
        row = session.get(Voice, voice.id)
        row.created_by, row.description, row.language, row.category = (
            created_by or team.admin.user_id, "Warm", "en-US", "GENERAL")
        session.add(row)
    return voice


def test_name_description_and_labels_change_and_what_is_not_sent_stays(team):
    voice = own_voice(team)
    assert team.client.voices.update(voice.id, name="  Ada Prime ", labels={"language": "en-GB",
                                                                           "use_case": "audiobook"}).status == "ok"
    row = get(Voice, voice.id)
    assert (row.name, row.description, row.language, row.category) == ("Ada Prime", "Warm", "en-GB", "AUDIOBOOK")
    team.client.voices.update(voice.id, name="Ada", description="Bright and quick")
    row = get(Voice, voice.id)
    assert (row.name, row.description, row.language, row.category) == ("Ada", "Bright and quick", "en-GB",
                                                                       "AUDIOBOOK")
    assert team.client.voices.get(voice.id).labels["accent"] == "british"


def test_a_built_in_voice_cannot_be_edited(team, system_voice):
    error = refused(lambda: team.client.voices.update(system_voice.id, name="Mine now", request_options=NO_RETRY))
    assert error.status_code == 400 and error.body["detail"]["status"] == "voice_not_editable"
    assert get(Voice, system_voice.id).name == "Aaron"


def test_another_organizations_voice_is_not_found(team, rival):
    theirs = own_voice(rival)
    for voice_id in (theirs.id, "voi_missing"):
        error = refused(lambda: team.client.voices.update(voice_id, name="Taken", request_options=NO_RETRY))
        assert error.status_code == 404 and error.body["detail"]["status"] == "voice_not_found"
        error = refused(lambda: team.client.voices.settings.update(voice_id, request=VoiceSettings(speed=1.1),
                                                                   request_options=NO_RETRY))
        assert error.status_code == 404
    assert get(Voice, theirs.id).name == "Studio Ada"


def test_a_key_has_member_rights_only_its_creators_voices(team):
    colleague = make_user(name="Colleague")
    add_member(team.org, colleague)
    theirs = own_voice(team, name="Colleague's", created_by=colleague.id)
    error = refused(lambda: team.client.voices.update(theirs.id, name="Mine", request_options=NO_RETRY))
    assert error.status_code == 403 and error.body["detail"]["status"] == "missing_permissions"
    assert get(Voice, theirs.id).name == "Colleague's"


@pytest.mark.parametrize("fields, message", [
    ({"name": "   "}, "Voice name is required"),
    ({"name": "x" * 101}, "at most 100 characters"),
    ({"name": "Ada", "description": "d" * 501}, "at most 500 characters"),
    ({"name": "Ada", "labels": {"language": "xx-YY"}}, "labels.language"),
    ({"name": "Ada", "labels": {"use_case": "yodelling"}}, "labels.use_case"),
])
def test_bad_fields_are_422_and_change_nothing(team, fields, message):
    voice = own_voice(team)
    error = refused(lambda: team.client.voices.update(voice.id, **fields, request_options=NO_RETRY))
    assert error.status_code == 422 and message.lower() in error.body["detail"]["message"].lower()
    assert get(Voice, voice.id).name == "Studio Ada"


def test_replacing_the_recording_is_refused_with_422(team):
    voice = own_voice(team)
    error = refused(lambda: team.client.voices.update(
        voice.id, name="Ada", files=[("new.wav", speech_wav(12.0, 16000), "audio/wav")], request_options=NO_RETRY))
    assert error.status_code == 422 and "POST /v1/voices/add" in error.body["detail"]["message"]
    assert get(Voice, voice.id).name == "Studio Ada"


def test_settings_are_checked_and_answered_ok_but_not_kept(team, system_voice, base_url):
    voice = own_voice(team)
    for voice_id in (voice.id, system_voice.id):
        assert team.client.voices.settings.update(
            voice_id, request=VoiceSettings(stability=0.3, similarity_boost=0.9, speed=1.2)).status == "ok"
        assert team.client.voices.settings.get(voice_id).speed == 1.0
    response = httpx.post(f"{base_url}/v1/voices/{voice.id}/settings/edit", headers={"xi-api-key": team.secret},
                          json={"speed": 3.0})
    assert response.status_code == 422 and response.json()["detail"]["status"] == "invalid_request"
    assert "speed" in response.json()["detail"]["message"]


def test_without_a_key_editing_is_401_before_the_body(base_url, team):
    voice = own_voice(team)
    response = httpx.post(f"{base_url}/v1/voices/{voice.id}/edit", data={"name": "Nope"})
    assert response.status_code == 401 and get(Voice, voice.id).name == "Studio Ada"
