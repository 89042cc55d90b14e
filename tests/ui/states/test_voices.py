"""What the voice library shows: card data, the matched/cloned wording, who may change a voice, sizes, avatars."""

from __future__ import annotations

import pytest

from resonance.orgs.principal import Principal
from resonance.ui import avatars
from resonance.ui.states import voices
from resonance.ui.states.voice_create import file_size
from resonance.voices.models import Voice, VoiceVariant
from tests.fakes import ToneEngine

ADMIN = Principal("usr_admin", "a@example.com", "Ada", "ses_1", "org_1", "Acme", "admin")
MEMBER = Principal("usr_member", "m@example.com", "Max", "ses_2", "org_1", "Acme", "member")


def custom(**fields) -> Voice:
    values = {"org_id": "org_1", "name": "Harbour Guide", "variant": VoiceVariant.CUSTOM, "language": "en-GB",
              "category": "NARRATIVE", "created_by": "usr_member"} | fields
    return Voice(**values)


def test_a_card_shows_category_label_flag_region_and_preview_url():
    view = voices.voice_view(custom(description="Calm"), MEMBER)
    assert view["category_label"] == "Narrative" and view["description"] == "Calm"
    assert view["flag"] == "🇬🇧" and view["region"] == "United Kingdom"
    assert view["preview_url"].endswith(f"/api/voices/{view['id']}")
    assert view["custom"] is True


def test_matching_shows_progress_then_the_similarity_with_the_engine_word():
    running = voices.voice_view(custom(match_status="running", match_progress=0.42), MEMBER)
    assert running["matching"] and running["match_percent"] == 42 and running["match_label"] == ""
    done = voices.voice_view(custom(match_status="done", similarity=0.873), MEMBER, word="Matched")
    assert not done["matching"] and done["match_label"] == "Matched · 87% similar"
    failed = voices.voice_view(custom(match_status="failed", match_error="No speech found"), MEMBER)
    assert failed["match_error"] == "No speech found" and failed["match_label"] == ""


@pytest.mark.parametrize("clones, word", [(False, "Matched"), (True, "Cloned")])
def test_the_word_follows_what_the_engine_really_does(monkeypatch, clones, word):
    monkeypatch.setattr(voices, "get_engine", lambda: ToneEngine(clones=clones))
    assert voices.match_word() == word


def test_only_admins_and_the_creator_may_change_a_custom_voice_and_nobody_a_system_one():
    mine, theirs = custom(created_by="usr_member"), custom(created_by="usr_other")
    assert voices.voice_view(mine, MEMBER)["can_manage"]
    assert not voices.voice_view(theirs, MEMBER)["can_manage"]
    assert voices.voice_view(theirs, ADMIN)["can_manage"]
    system = Voice(name="Aaron", variant=VoiceVariant.SYSTEM, language="en-US")
    view = voices.voice_view(system, ADMIN)
    assert not view["can_manage"] and not view["custom"] and view["match_status"] == "none"


@pytest.mark.parametrize("size, text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (12_582_912, "12.0 MB")])
def test_file_sizes_read_in_b_kb_mb(size, text):
    assert file_size(size) == text


def test_avatars_are_the_same_for_an_id_and_differ_between_ids():
    assert avatars.glass("voi_a") == avatars.glass("voi_a")
    assert avatars.glass("voi_a") != avatars.glass("voi_b")
    assert avatars.glass("voi_a").count("gradient(") == 3
