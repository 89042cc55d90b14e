"""GET /v1/user and the voice settings routes through the SDK's `user.get`, `voices.settings.get_default` and
`voices.settings.get`."""

from __future__ import annotations

from datetime import UTC

import pytest
from elevenlabs import VoiceSettings
from elevenlabs.core.api_error import ApiError

from resonance.orgs.api_keys import ApiKey
from tests.factories import all_rows
from tests.generations.conftest import ready_voice

NO_RETRY = {"max_retries": 0}
DEFAULTS = (0.5, 0.75, 0.0, True, 1.0)


def test_user_is_the_keys_organization_with_its_subscription(team):
    user = team.client.user.get()
    [key] = all_rows(ApiKey, org_id=team.org.id)
    assert (user.user_id, user.workspace_id, user.seat_type) == (team.admin.user_id, team.org.id, "workspace_member")
    assert user.xi_api_key_preview == key.prefix and team.secret.startswith(key.prefix)
    assert user.subscription.tier == "unlimited" and user.subscription.status == "active"
    assert user.created_at == int(team.org.created_at.replace(tzinfo=UTC).timestamp())


def settings_tuple(settings) -> tuple:
    return (settings.stability, settings.similarity_boost, settings.style, settings.use_speaker_boost, settings.speed)


def test_default_settings_and_a_voices_settings_until_some_are_stored(team, system_voice):
    assert settings_tuple(team.client.voices.settings.get_default()) == DEFAULTS
    ours = ready_voice(team.org, name="Studio Ada")
    for voice in (system_voice, ours):
        assert settings_tuple(team.client.voices.settings.get(voice.id)) == DEFAULTS


def test_another_organizations_voice_settings_are_not_found(team, rival):
    theirs = ready_voice(rival.org, name="Theirs")
    for voice_id in (theirs.id, "voi_doesnotexist"):
        with pytest.raises(ApiError) as error:
            team.client.voices.settings.get(voice_id, request_options=NO_RETRY)
        assert error.value.status_code == 404 and error.value.body["detail"]["status"] == "voice_not_found"


def test_a_voices_settings_are_what_was_stored_for_the_organization(team, rival, system_voice):
    ours = ready_voice(team.org, name="Studio Ada")
    for voice in (system_voice, ours):
        team.client.voices.settings.update(voice.id, request=VoiceSettings(style=0.4, use_speaker_boost=False,
                                                                         speed=1.1))
        assert settings_tuple(team.client.voices.settings.get(voice.id)) == (0.5, 0.75, 0.4, False, 1.1)
    assert settings_tuple(rival.client.voices.settings.get(system_voice.id)) == DEFAULTS  # shared voice, own settings
    assert settings_tuple(team.client.voices.settings.get_default()) == DEFAULTS
    with pytest.raises(ApiError) as error:  # another organization's voice: neither read nor written
        rival.client.voices.settings.update(ours.id, request=VoiceSettings(speed=0.6), request_options=NO_RETRY)
    assert error.value.status_code == 404 and team.client.voices.settings.get(ours.id).speed == 1.1
