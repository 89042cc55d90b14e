"""Editing a voice through the SDK (`voices.update`, with or without a new recording, and `voices.settings.update`):
the app's rules (Member rights: the key's creator's own voices), built-in voices refused in ElevenLabs' shape, another
organization's voice 404; a new recording checked as a new voice's, the old one kept until it is accepted; settings
kept per organization and spoken with."""

from __future__ import annotations

import httpx
import pytest
from elevenlabs import VoiceSettings

from resonance.generations.models import Generation
from resonance.orgs.scope import system_session
from resonance.storage import get_storage
from resonance.voices import keys, match_report, matching
from resonance.voices.models import Voice, VoiceSettingsRow
from tests.api.v1.test_voices import NO_RETRY, refused
from tests.factories import add_member, all_rows, get, make_user
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


def stored_files(org) -> set[str]:
    """The key of every object under the organization's voice prefix (local storage in tests: a folder per key,
    its bytes in `.data`)."""
    root = get_storage().root.joinpath(*keys.org_prefix(org.id).rstrip("/").split("/"))
    return {p.parent.relative_to(get_storage().root).as_posix() for p in root.rglob(".data")}


def matched_voice(team) -> Voice:
    """A voice added through the SDK from a recording, then matched (what the matcher writes when done)."""
    created = team.client.voices.ivc.create(name="Studio Ada", files=[("ada.wav", speech_wav(12.0), "audio/wav")])
    with system_session() as session:
        row = session.get(Voice, created.voice_id)
        row.engine_voice, row.match_status, row.match_progress, row.similarity = '"am_michael"', "done", 1.0, 0.7
        session.add(row)
    return get(Voice, created.voice_id)


def test_a_new_recording_replaces_the_old_one_and_the_voice_is_matched_again(team, engine):
    before = matched_voice(team)
    old_files = stored_files(team.org)
    assert team.client.voices.get(before.id).matching["status"] == "done"
    assert team.client.voices.update(before.id, name="Ada Again", files=[("new.wav", speech_wav(14.0, 22050),
                                                                          "audio/wav")]).status == "ok"
    after = get(Voice, before.id)
    assert (after.name, after.description, after.duration_s) == ("Ada Again", None, 14.0)
    assert after.object_key != before.object_key and after.engine_voice is None and after.similarity is None
    assert match_report.load(after) == {"recording": {"sample_rate": 22050}}
    # the old recording's files are gone, the new ones are there: nothing orphaned
    assert stored_files(team.org) == {after.object_key, after.original_key}
    assert not old_files & stored_files(team.org)
    shown = team.client.voices.get(before.id)
    assert shown.matching == {"status": "queued", "progress": 0.0, "similarity": None, "error": ""}
    assert shown.fine_tuning.state == {"resonance_v1": "queued"}
    error = refused(lambda: b"".join(team.client.text_to_speech.convert(before.id, text="Hello.",
                                                                        request_options=NO_RETRY)))
    assert error.status_code == 412 and error.body["detail"]["status"] == "voice_not_ready"


def assert_untouched(team, before: Voice, files: set[str]) -> None:
    after = get(Voice, before.id)
    assert (after.name, after.object_key, after.original_key, after.engine_voice, after.match_status) == (
        before.name, before.object_key, before.original_key, before.engine_voice, before.match_status)
    assert stored_files(team.org) == files and get_storage().exists(before.object_key)


@pytest.mark.parametrize("upload, status, message", [
    (("broken.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 40, "audio/wav"), 422,
     "not a valid audio file"),
    (("notes.txt", b"just some text, not audio at all", "text/plain"), 422, "not a valid audio file"),
    (("short.wav", speech_wav(3.0), "audio/wav"), 422, "Audio too short"),
])
def test_a_refused_recording_keeps_the_old_one_and_its_match(team, upload, status, message):
    before = matched_voice(team)
    files = stored_files(team.org)
    error = refused(lambda: team.client.voices.update(before.id, name="Changed", files=[upload],
                                                      request_options=NO_RETRY))
    assert error.status_code == status and message.lower() in error.body["detail"]["message"].lower()
    assert_untouched(team, before, files)
    assert team.client.voices.get(before.id).matching["status"] == "done"


def test_two_recordings_are_refused(team):
    before = matched_voice(team)
    files = stored_files(team.org)
    two = [("a.wav", speech_wav(12.0), "audio/wav"), ("b.wav", speech_wav(12.0), "audio/wav")]
    error = refused(lambda: team.client.voices.update(before.id, name="Ada", files=two, request_options=NO_RETRY))
    assert error.status_code == 422 and "exactly one recording" in error.body["detail"]["message"]
    assert_untouched(team, before, files)


def test_an_oversize_recording_is_refused_before_the_body_is_read(team, base_url, configure):
    before = matched_voice(team)
    files = stored_files(team.org)
    configure(VOICE_MAX_BYTES=100_000)
    response = httpx.post(f"{base_url}/v1/voices/{before.id}/edit", headers={"xi-api-key": team.secret},
                          data={"name": "Big"}, files={"files": ("big.wav", b"RIFF" + bytes(1_200_000), "audio/wav")})
    assert response.status_code == 413 and response.json()["detail"]["status"] == "file_too_large"
    assert response.headers["connection"] == "close"
    # just over the limit (within the form's margin): the same check as a new voice's
    response = httpx.post(f"{base_url}/v1/voices/{before.id}/edit", headers={"xi-api-key": team.secret},
                          data={"name": "Big"}, files={"files": ("big.wav", b"RIFF" + bytes(100_000), "audio/wav")})
    assert response.status_code == 413 and "size limit" in response.json()["detail"]["message"]
    assert_untouched(team, before, files)


def test_a_new_recording_follows_the_edit_rules(team, rival, system_voice):
    recording = [("new.wav", speech_wav(12.0), "audio/wav")]
    theirs = matched_voice(rival)
    error = refused(lambda: team.client.voices.update(theirs.id, name="Taken", files=recording,
                                                      request_options=NO_RETRY))
    assert error.status_code == 404 and error.body["detail"]["status"] == "voice_not_found"
    assert get(Voice, theirs.id).object_key == theirs.object_key
    error = refused(lambda: team.client.voices.update(system_voice.id, name="Mine", files=recording,
                                                      request_options=NO_RETRY))
    assert error.status_code == 400 and error.body["detail"]["status"] == "voice_not_editable"
    colleague = make_user(name="Colleague")
    add_member(team.org, colleague)
    colleagues = own_voice(team, name="Colleague's", created_by=colleague.id)
    error = refused(lambda: team.client.voices.update(colleagues.id, name="Mine", files=recording,
                                                      request_options=NO_RETRY))
    assert error.status_code == 403 and error.body["detail"]["status"] == "missing_permissions"
    assert get(Voice, colleagues.id).object_key == colleagues.object_key


def test_a_match_of_the_replaced_recording_writes_nothing(team):
    """A match still running for the old recording when it is replaced must not overwrite the new one's state."""
    before = matched_voice(team)
    team.client.voices.update(before.id, name="Ada", files=[("new.wav", speech_wav(12.0), "audio/wav")])
    matching._progress(before.id, before.object_key, 0.5)
    assert get(Voice, before.id).match_progress == 0.0
    assert not matching._same_recording(get(Voice, before.id), before.object_key)


def test_settings_are_kept_per_organization_and_speak_at_the_stored_speed(team, rival, system_voice, engine,
                                                                          runner, base_url):
    voice = own_voice(team)
    assert team.client.voices.settings.update(
        voice.id, request=VoiceSettings(stability=0.3, similarity_boost=0.9, speed=1.2)).status == "ok"
    kept = team.client.voices.settings.get(voice.id)
    assert (kept.stability, kept.similarity_boost, kept.style, kept.use_speaker_boost, kept.speed) == (
        0.3, 0.9, 0.0, True, 1.2)
    team.client.voices.settings.update(voice.id, request=VoiceSettings(speed=0.8))  # what is not sent stays
    kept = team.client.voices.settings.get(voice.id)
    assert (kept.stability, kept.speed) == (0.3, 0.8)
    # a built-in voice: each organization keeps its own settings of it
    team.client.voices.settings.update(system_voice.id, request=VoiceSettings(speed=1.5))
    assert team.client.voices.settings.get(system_voice.id).speed == 1.5
    assert rival.client.voices.settings.get(system_voice.id).speed == 1.0
    # text to speech: the stored speed when the request sends none; the request's wins
    for voice_id, settings, speed in ((system_voice.id, None, 1.5), (system_voice.id, {"speed": 0.9}, 0.9),
                                      (voice.id, {"stability": 0.1}, 0.8)):
        body = {"text": "Hello.", **({"voice_settings": settings} if settings else {})}
        response = httpx.post(f"{base_url}/v1/text-to-speech/{voice_id}?output_format=pcm_8000",
                              headers={"xi-api-key": team.secret}, json=body, timeout=60)
        assert response.status_code == 200
        assert get(Generation, response.headers["history-item-id"]).speed == speed
    b"".join(rival.client.text_to_speech.convert(system_voice.id, text="Hi.", output_format="pcm_8000"))
    [theirs] = rival.client.history.list().history
    assert get(Generation, theirs.history_item_id).speed == 1.0
    response = httpx.post(f"{base_url}/v1/voices/{voice.id}/settings/edit", headers={"xi-api-key": team.secret},
                          json={"speed": 3.0})
    assert response.status_code == 422 and response.json()["detail"]["status"] == "invalid_request"
    assert "speed" in response.json()["detail"]["message"] and team.client.voices.settings.get(voice.id).speed == 0.8


def test_settings_go_with_the_voice(team):
    voice = matched_voice(team)
    team.client.voices.settings.update(voice.id, request=VoiceSettings(speed=1.3))
    team.client.voices.delete(voice.id)
    assert all_rows(VoiceSettingsRow, org_id=team.org.id) == []


def test_without_a_key_editing_is_401_before_the_body(base_url, team):
    voice = own_voice(team)
    response = httpx.post(f"{base_url}/v1/voices/{voice.id}/edit", data={"name": "Nope"})
    assert response.status_code == 401 and get(Voice, voice.id).name == "Studio Ada"
