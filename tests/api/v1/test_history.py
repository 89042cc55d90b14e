"""History through the SDK: every generation (API or app) newest first, paged; one item, its audio, deleting it;
another organization's items do not exist. Also /v1/models and /v1/user/subscription with billing off."""

from __future__ import annotations

import io
import logging
import re

import av
import pytest
from elevenlabs.core.api_error import ApiError

from resonance.generations.models import Generation
from resonance.orgs.scope import system_session
from resonance.storage import get_storage
from tests.factories import get, make_generation
from tests.generations.conftest import ready_voice

NO_RETRY = {"max_retries": 0}


def speak(team, voice, text: str) -> None:
    b"".join(team.client.text_to_speech.convert(voice.id, text=text, output_format="pcm_8000"))


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()
    return error.value


def test_history_lists_newest_first_in_pages_and_reads_one_item(team, system_voice, engine, runner):
    for text in ("First words.", "Second words.", "Third words."):
        speak(team, system_voice, text)
    page = team.client.history.list(page_size=2)
    assert [h.text for h in page.history] == ["Third words.", "Second words."] and page.has_more
    assert page.last_history_item_id == page.history[-1].history_item_id
    rest = team.client.history.list(page_size=2, start_after_history_item_id=page.last_history_item_id)
    assert [h.text for h in rest.history] == ["First words."] and not rest.has_more
    item = team.client.history.get(page.history[0].history_item_id)
    assert (item.voice_id, item.voice_name, item.voice_category, item.state, item.model_id) == (
        system_voice.id, "Aaron", "premade", "created", "resonance_v1")
    assert (item.character_count_change_from, item.character_count_change_to) == (0, len("Third words."))
    assert item.content_type == "audio/mpeg" and item.source == "TTS" and item.date_unix > 1_700_000_000
    assert team.client.history.list(voice_id="voi_other").history == []


def test_an_items_audio_is_mp3_and_deleting_it_removes_row_and_files(team, system_voice, engine, runner):
    speak(team, system_voice, "Keep this for a moment. Then let it go.")
    [item] = team.client.history.list().history
    mp3 = b"".join(team.client.history.get_audio(item.history_item_id))
    with av.open(io.BytesIO(mp3)) as container:
        assert container.streams.audio[0].codec_context.name == "mp3float"
        assert sum(frame.samples for frame in container.decode(audio=0)) > 0
    key = get(Generation, item.history_item_id).object_key
    assert team.client.history.delete(item.history_item_id).status == "ok"
    assert get(Generation, item.history_item_id) is None and not get_storage().exists(key)
    error = refused(lambda: team.client.history.get(item.history_item_id, request_options=NO_RETRY))
    assert error.status_code == 404 and error.body["detail"]["status"] == "history_item_not_found"


def test_items_made_in_the_app_are_listed_and_audio_not_yet_made_is_409(team, engine):
    queued = make_generation(team.org, ready_voice(team.org, name="Ada"), text="Still queued.")
    [item] = team.client.history.list().history
    assert (item.history_item_id, item.state, item.voice_category) == (queued.id, "processing", "matched")
    error = refused(lambda: b"".join(team.client.history.get_audio(queued.id, request_options=NO_RETRY)))
    assert error.status_code == 409 and error.body["detail"]["status"] == "audio_not_ready"


def test_an_item_cancelled_in_the_app_reads_as_failed_and_has_no_audio(team, engine):
    cancelled = make_generation(team.org, ready_voice(team.org, name="Ada"), text="Stopped early.")
    with system_session() as session:
        session.get(Generation, cancelled.id).status = "cancelled"
    [item] = team.client.history.list().history
    assert (item.history_item_id, item.state) == (cancelled.id, "failed")
    error = refused(lambda: b"".join(team.client.history.get_audio(cancelled.id, request_options=NO_RETRY)))
    assert error.status_code == 409 and error.body["detail"]["status"] == "history_item_cancelled"


def test_an_unexpected_failure_is_500_with_a_reference_and_the_detail_only_in_the_log(team, system_voice, engine,
                                                                                       runner, caplog):
    """Attack: the audio's storage object vanished; the answer names neither the key nor the exception."""
    speak(team, system_voice, "Words whose file goes missing.")
    [item] = team.client.history.list().history
    key = get(Generation, item.history_item_id).object_key
    get_storage().delete(key)
    caplog.set_level(logging.ERROR, logger="resonance")
    error = refused(lambda: b"".join(team.client.history.get_audio(item.history_item_id, request_options=NO_RETRY)))
    assert error.status_code == 500 and error.body["detail"]["status"] == "internal_error"
    match = re.fullmatch(r"Something went wrong on our side; try again\. Reference: ([0-9a-f]{8})",
                         error.body["detail"]["message"])
    assert match and key not in str(error.body)
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert key in caplog.text


def test_another_organizations_history_does_not_exist(team, rival, system_voice, engine, runner):
    speak(team, system_voice, "Private words.")
    [item] = team.client.history.list().history
    assert rival.client.history.list().history == []
    for call in (rival.client.history.get, rival.client.history.delete,
                 lambda i, **kw: b"".join(rival.client.history.get_audio(i, **kw))):
        error = refused(lambda: call(item.history_item_id, request_options=NO_RETRY))
        assert error.status_code == 404
    error = refused(lambda: rival.client.history.list(start_after_history_item_id=item.history_item_id,
                                                      request_options=NO_RETRY))
    assert error.status_code == 404
    assert get(Generation, item.history_item_id) is not None


def test_models_and_subscription_with_billing_off(team, system_voice, engine, runner):
    [model] = team.client.models.list()
    assert (model.model_id, model.can_do_text_to_speech, model.maximum_text_length_per_request) == (
        "resonance_v1", True, 5000)
    speak(team, system_voice, "Twenty characters ok.")
    subscription = team.client.user.subscription.get()
    assert (subscription.tier, subscription.status, subscription.character_count, subscription.character_limit) == (
        "unlimited", "active", 21, 2_147_483_647)
    assert subscription.next_character_count_reset_unix > subscription.voice_slots_used == 0


def test_history_oldest_first_pages_the_other_way(team, system_voice):
    made = [make_generation(team.org, system_voice, text=f"Item {n}.") for n in range(5)]
    with system_session() as session:  # the same moment for two of them: ties are ordered by id, both ways
        stamp = session.get(Generation, made[0].id).created_at
        for generation in made[:2]:
            session.get(Generation, generation.id).created_at = stamp
    oldest = sorted(made[:2], key=lambda g: g.id) + made[2:]
    pages, after = [], None
    while True:
        page = team.client.history.list(page_size=2, sort_direction="asc", start_after_history_item_id=after)
        pages.append([h.history_item_id for h in page.history])
        if not page.has_more:
            break
        after = page.last_history_item_id
    assert pages == [[g.id for g in oldest[:2]], [g.id for g in oldest[2:4]], [oldest[4].id]]
    newest = team.client.history.list(page_size=3, sort_direction="desc")
    assert [h.history_item_id for h in newest.history] == [g.id for g in reversed(oldest)][:3]
    rest = team.client.history.list(sort_direction="desc", start_after_history_item_id=newest.last_history_item_id)
    assert [h.history_item_id for h in rest.history] == [g.id for g in reversed(oldest)][3:]
    # a cursor from the middle, oldest first: what comes after it in that order
    middle = team.client.history.list(sort_direction="asc", start_after_history_item_id=oldest[2].id)
    assert [h.history_item_id for h in middle.history] == [oldest[3].id, oldest[4].id]
