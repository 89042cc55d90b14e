"""Keys of one organization never see another's voices or history, on SQLite and on PostgreSQL: every read, change
and use of a foreign id is "not found"."""

from __future__ import annotations

import pytest
from elevenlabs.core.api_error import ApiError

from resonance.generations.models import Generation
from resonance.voices.models import Voice
from tests.api.v1.conftest import make_team
from tests.factories import get
from tests.generations.conftest import ready_voice

NO_RETRY = {"max_retries": 0}


def test_a_key_never_reaches_another_organization(db, base_url, engine, runner):
    ours, theirs = make_team(base_url, "Ours"), make_team(base_url, "Theirs")
    their_voice = ready_voice(theirs.org, name="Secret")
    b"".join(theirs.client.text_to_speech.convert(their_voice.id, text="Their words.", output_format="pcm_8000"))
    [their_item] = theirs.client.history.list().history

    assert [v.voice_id for v in ours.client.voices.get_all().voices] == []
    assert ours.client.history.list().history == []
    attempts = {
        "get voice": lambda: ours.client.voices.get(their_voice.id, request_options=NO_RETRY),
        "delete voice": lambda: ours.client.voices.delete(their_voice.id, request_options=NO_RETRY),
        "speak with voice": lambda: b"".join(ours.client.text_to_speech.convert(
            their_voice.id, text="Mine now.", request_options=NO_RETRY)),
        "stream with voice": lambda: b"".join(ours.client.text_to_speech.stream(
            their_voice.id, text="Mine now.", request_options=NO_RETRY)),
        "get item": lambda: ours.client.history.get(their_item.history_item_id, request_options=NO_RETRY),
        "item audio": lambda: b"".join(ours.client.history.get_audio(their_item.history_item_id,
                                                                      request_options=NO_RETRY)),
        "delete item": lambda: ours.client.history.delete(their_item.history_item_id, request_options=NO_RETRY),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ApiError) as refused:
            attempt()
        assert refused.value.status_code == 404, name
    assert get(Voice, their_voice.id) is not None and get(Generation, their_item.history_item_id) is not None
    assert [h.text for h in theirs.client.history.list().history] == ["Their words."]
