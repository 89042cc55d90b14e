"""History through the SDK, part two: `history.download` (one item's audio, several as a zip) and the list's
filters (`voice_id`, `date_before_unix`/`date_after_unix`, `search`, `source`) with paging."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import av
import httpx
import pytest

from resonance.generations.models import Generation
from resonance.orgs.scope import system_session
from tests.api.v1.conftest import Team, make_team
from tests.api.v1.test_history import NO_RETRY, refused, speak
from tests.factories import make_generation
from tests.generations.conftest import ready_voice

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def team(db, base_url) -> Team:
    """This module's team, on each database: dates, LIKE escapes and zones differ between SQLite and PostgreSQL."""
    return make_team(base_url, "Acme")


def decoded_samples(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples for frame in container.decode(audio=0))


def items_of(team) -> list:
    return team.client.history.list().history


def test_one_item_downloads_as_its_audio_and_several_as_a_zip(team, system_voice, engine, runner):
    for text in ("First to fetch.", "Second to fetch."):
        speak(team, system_voice, text)
    newest, oldest = items_of(team)
    one = b"".join(team.client.history.download(history_item_ids=[oldest.history_item_id]))
    assert one[:3] == b"ID3" or one[:2] in (b"\xff\xfb", b"\xff\xf3")
    assert decoded_samples(one) > 0
    wav = b"".join(team.client.history.download(history_item_ids=[oldest.history_item_id], output_format="wav"))
    assert wav[:4] == b"RIFF" and decoded_samples(wav) > 0
    both = b"".join(team.client.history.download(history_item_ids=[newest.history_item_id, oldest.history_item_id]))
    with zipfile.ZipFile(io.BytesIO(both)) as archive:
        assert archive.namelist() == [f"{newest.history_item_id}.mp3", f"{oldest.history_item_id}.mp3"]
        assert all(decoded_samples(archive.read(name)) > 0 for name in archive.namelist())


def test_the_media_types_and_file_names(team, system_voice, engine, runner, base_url):
    speak(team, system_voice, "Named file.")
    [item] = items_of(team)
    headers = {"xi-api-key": team.secret}
    one = httpx.post(f"{base_url}/v1/history/download", headers=headers,
                     json={"history_item_ids": [item.history_item_id]})
    assert one.headers["content-type"] == "audio/mpeg"
    assert one.headers["content-disposition"] == f'attachment; filename="{item.history_item_id}.mp3"'
    twice = httpx.post(f"{base_url}/v1/history/download", headers=headers,
                       json={"history_item_ids": [item.history_item_id] * 2})
    assert twice.headers["content-type"] == "audio/mpeg"  # the same item twice is one item


def test_another_organizations_or_an_unfinished_item_refuses_the_whole_download(team, rival, system_voice, engine,
                                                                                 runner):
    speak(team, system_voice, "Ours alone.")
    [ours] = items_of(team)
    error = refused(lambda: b"".join(rival.client.history.download(history_item_ids=[ours.history_item_id],
                                                                   request_options=NO_RETRY)))
    assert error.status_code == 404 and error.body["detail"]["status"] == "history_item_not_found"
    # Being spoken (a running job's row, which the test's runner does not pick up): no audio yet
    queued = make_generation(team.org, system_voice, text="Not spoken yet.", status="running")
    error = refused(lambda: b"".join(team.client.history.download(
        history_item_ids=[ours.history_item_id, queued.id], request_options=NO_RETRY)))
    assert error.status_code == 409 and error.body["detail"]["status"] == "audio_not_ready"


@pytest.mark.parametrize("body, field", [
    ({"history_item_ids": []}, "history_item_ids"),
    ({"history_item_ids": ["gen_x"] * 51}, "history_item_ids"),
    ({"history_item_ids": ["gen_x"], "output_format": "flac"}, "output_format"),
    ({}, "history_item_ids"),
])
def test_bad_download_requests_are_422(team, base_url, body, field):
    response = httpx.post(f"{base_url}/v1/history/download", headers={"xi-api-key": team.secret}, json=body)
    assert response.status_code == 422 and response.json()["detail"]["status"] == "invalid_request"
    assert field in response.json()["detail"]["message"]


def test_without_a_key_download_is_401(base_url):
    response = httpx.post(f"{base_url}/v1/history/download", json={"history_item_ids": ["gen_x"]})
    assert response.status_code == 401


def dated(team, voice, text: str, day: int) -> Generation:
    generation = make_generation(team.org, voice, text=text)
    with system_session() as session:
        row = session.get(Generation, generation.id)
        row.created_at = JAN_1 + timedelta(days=day)
        session.add(row)
    return generation


def unix(day: int) -> int:
    return int((JAN_1 + timedelta(days=day)).timestamp())


def test_the_list_filters_by_voice_dates_text_and_source_and_still_pages(team, rival, system_voice, engine):
    ada = ready_voice(team.org, name="Ada")
    for day, (voice, text) in enumerate([(system_voice, "Morning news"), (ada, "Evening NEWS"),
                                         (ada, "A bedtime story"), (system_voice, "100% sure_thing")]):
        dated(team, voice, text, day)
    dated(rival, system_voice, "Their news", 1)
    texts = lambda **query: [h.text for h in team.client.history.list(**query).history]  # noqa: E731
    assert texts(voice_id=ada.id) == ["A bedtime story", "Evening NEWS"]
    assert texts(date_after_unix=unix(1), date_before_unix=unix(3)) == ["A bedtime story", "Evening NEWS"]
    assert texts(search="news") == ["Evening NEWS", "Morning news"]
    assert texts(search="news", source="TTS", voice_id=system_voice.id) == ["Morning news"]
    assert texts(search="0%") == ["100% sure_thing"] and texts(search="s_r") == []  # no wildcards ("sur")
    assert texts(search="news", source="STS") == []
    first = team.client.history.list(page_size=1, search="e")
    assert [h.text for h in first.history] == ["100% sure_thing"] and first.has_more
    rest = team.client.history.list(page_size=5, search="e", start_after_history_item_id=first.last_history_item_id)
    assert [h.text for h in rest.history] == ["A bedtime story", "Evening NEWS", "Morning news"]
    assert not rest.has_more


@pytest.mark.parametrize("query", ["date_after_unix=-1", "date_before_unix=abc", "source=Other",
                                   "sort_direction=sideways"])
def test_bad_list_filters_are_422(team, base_url, query):
    response = httpx.get(f"{base_url}/v1/history?{query}", headers={"xi-api-key": team.secret})
    assert response.status_code == 422 and query.split("=")[0] in response.json()["detail"]["message"]
