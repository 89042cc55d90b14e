"""GET /v2/voices through the SDK's `voices.search`: search, filters, sort and keyset pages over the organization's
own voices and the built-in ones, never another organization's."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from elevenlabs.core.api_error import ApiError

from resonance.core.clock import clock
from resonance.orgs.scope import system_session
from resonance.voices.models import Voice
from tests.generations.conftest import ready_voice

NO_RETRY = {"max_retries": 0}


def voices_made(org, names: list[str]) -> list[Voice]:
    """Custom voices made a minute apart, in the order named (so created_at sorts them)."""
    made = []
    start = clock.now() - timedelta(hours=1)
    for index, name in enumerate(names):
        voice = ready_voice(org, name=name)
        with system_session() as session:
            row = session.get(Voice, voice.id)
            row.created_at = start + timedelta(minutes=index)
            session.add(row)
        made.append(voice)
    return made


def every_page(client, **query) -> list[list[str]]:
    pages, token = [], None
    while True:
        page = client.voices.search(next_page_token=token, **query)
        pages.append([v.name for v in page.voices])
        if not page.has_more:
            assert page.next_page_token is None and page.total_count == sum(len(p) for p in pages)
            return pages
        token = page.next_page_token


def test_pages_through_own_and_built_in_voices_in_each_order(team, rival, system_voice):
    voices_made(team.org, ["Cleo", "Ada", "Bram"])
    ready_voice(rival.org, name="Theirs")
    newest = team.client.voices.search(page_size=2)
    # newest first: the built-in voice was made after these (an hour ago)
    assert [v.name for v in newest.voices] == ["Aaron", "Bram"] and newest.has_more and newest.total_count == 4
    assert every_page(team.client, page_size=2, sort="name") == [["Aaron", "Ada"], ["Bram", "Cleo"]]
    assert every_page(team.client, page_size=3, sort="name", sort_direction="desc") == [["Cleo", "Bram", "Ada"],
                                                                                        ["Aaron"]]
    assert every_page(team.client, page_size=3, sort="created_at_unix", sort_direction="asc") == [
        ["Cleo", "Ada", "Bram"], ["Aaron"]]
    assert [v.name for v in rival.client.voices.search(sort="name").voices] == ["Aaron", "Theirs"]


def test_a_voice_added_between_pages_neither_repeats_nor_hides_another(team, system_voice):
    voices_made(team.org, ["Ada", "Bram", "Cleo"])
    first = team.client.voices.search(page_size=2, sort="name")
    assert [v.name for v in first.voices] == ["Aaron", "Ada"]
    ready_voice(team.org, name="Abe")  # sorts before the cursor: not on the next page, and nothing skipped
    rest = team.client.voices.search(page_size=5, sort="name", next_page_token=first.next_page_token)
    assert [v.name for v in rest.voices] == ["Bram", "Cleo"] and not rest.has_more


def test_search_voice_type_and_category_filters(team, system_voice):
    [ada, _] = voices_made(team.org, ["Ada", "Bram"])
    with system_session() as session:
        session.get(Voice, ada.id).description = "A warm narrator"
    assert [v.name for v in team.client.voices.search(search="NARRATOR").voices] == ["Ada"]
    assert [v.name for v in team.client.voices.search(search="aar").voices] == ["Aaron"]
    for voice_type in ("personal", "workspace", "non-default"):
        assert {v.name for v in team.client.voices.search(voice_type=voice_type).voices} == {"Ada", "Bram"}
    assert [v.name for v in team.client.voices.search(voice_type="default").voices] == ["Aaron"]
    assert team.client.voices.search(voice_type="community").voices == []
    assert [v.name for v in team.client.voices.search(category="premade").voices] == ["Aaron"]
    assert {v.name for v in team.client.voices.search(category="cloned").voices} == {"Ada", "Bram"}
    assert team.client.voices.search(category="premade", voice_type="personal").total_count == 0
    assert team.client.voices.search(category="generated", include_total_count=True).total_count == 0


@pytest.mark.parametrize("query, field", [
    ({"sort": "loudness"}, "sort"), ({"sort_direction": "up"}, "sort_direction"), ({"page_size": 0}, "page_size"),
    ({"page_size": 101}, "page_size"), ({"voice_type": "famous"}, "voice_type"), ({"category": "x"}, "category"),
    ({"next_page_token": "not-a-token"}, "next_page_token"),
])
def test_bad_queries_are_422_naming_the_field(team, query, field):
    with pytest.raises(ApiError) as error:
        team.client.voices.search(**query, request_options=NO_RETRY)
    assert error.value.status_code == 422 and error.value.body["detail"]["status"] == "invalid_request"
    assert field in error.value.body["detail"]["message"]


def test_without_a_key_it_is_401(base_url, team):
    response = httpx.get(f"{base_url}/v2/voices")
    assert response.status_code == 401 and response.json()["detail"]["status"] == "needs_authorization"


def test_voice_ids_and_label_filters(team, rival, system_voice):
    [ada, bram] = voices_made(team.org, ["Ada", "Bram"])
    theirs = ready_voice(rival.org, name="Theirs")
    walter = ready_voice(name="Walter", spec='"bm_daniel"')
    with system_session() as session:
        for voice_id, language, category in ((ada.id, "en-GB", "AUDIOBOOK"), (bram.id, "en-US", "PODCAST"),
                                             (walter.id, "en-GB", "NARRATIVE")):
            row = session.get(Voice, voice_id)
            row.language, row.category = language, category

    def names(**query) -> set[str]:
        return {v.name for v in team.client.voices.search(page_size=100, **query).voices}

    assert names(voice_ids=[ada.id, system_voice.id, theirs.id]) == {"Ada", "Aaron"}  # never another organization's
    assert names(voice_ids=ada.id) == {"Ada"} and names(voice_ids=f"{ada.id},{bram.id}") == {"Ada", "Bram"}
    assert names(language="en") == {"Ada", "Bram", "Aaron", "Walter"}
    assert names(language="en-GB") == {"Ada", "Walter"} and names(language=["fr-FR", "en-us"]) == {"Bram", "Aaron"}
    assert names(accent="British") == {"Ada", "Walter"}
    assert names(gender="male") == {"Aaron", "Walter"}  # own voices carry no gender
    assert names(gender="female") == set() and names(age="old") == set()  # no voice carries an age
    assert names(use_cases=["audiobook", "narrative_story"]) == {"Ada", "Walter"}
    assert names(use_cases="yodelling") == set()
    assert names(language="en-GB", voice_type="default") == {"Walter"}
    page = team.client.voices.search(language="en", page_size=1, sort="name")
    assert page.total_count == 4 and [v.name for v in page.voices] == ["Aaron"]
    assert every_page(team.client, language="en-GB", page_size=1, sort="name") == [["Ada"], ["Walter"]]
    with pytest.raises(ApiError) as error:
        team.client.voices.search(voice_ids=[f"voi_{n}" for n in range(101)], request_options=NO_RETRY)
    assert error.value.status_code == 422 and "at most 100" in error.value.body["detail"]["message"]
