"""What the voice library shows: card data, what a voice is (voices/labels.py) and its similarity only with the scale,
who may change a voice, sizes, avatars."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from resonance.orgs.principal import Principal
from resonance.ui import avatars
from resonance.ui.states import voices
from resonance.ui.states.voice_create import VoiceCreateState, file_size, speech_hint
from resonance.voices import labels, match_report
from resonance.voices.models import Voice, VoiceVariant

ADMIN = Principal("usr_admin", "a@example.com", "Ada", "ses_1", "org_1", "Acme", "admin")
MEMBER = Principal("usr_member", "m@example.com", "Max", "ses_2", "org_1", "Acme", "member")


def custom(**fields) -> Voice:
    values = {"org_id": "org_1", "name": "Harbour Guide", "variant": VoiceVariant.CUSTOM, "language": "en-GB",
              "category": "NARRATIVE", "created_by": "usr_member"} | fields
    return Voice(**values)


def test_a_card_shows_category_label_flag_region_and_preview_url():
    view = voices.voice_view(custom(description="Calm"), MEMBER)
    assert view.category_label == "Narrative" and view.description == "Calm"
    assert view.flag == "🇬🇧" and view.region == "United Kingdom"
    assert view.preview_url.endswith(f"/api/voices/{view.id}")
    assert view.custom is True


def test_matching_shows_progress_then_what_the_voice_is_and_the_similarity_with_its_scale():
    running = voices.voice_view(custom(match_status="running", match_progress=0.42), MEMBER)
    assert (running.state, running.matching, running.match_percent) == ("matching", True, 42)
    assert running.sentence == "Being matched to Kokoro voices…" and running.similarity == ""
    report = {"timbre": {"bm_daniel": 0.6, "am_michael": 0.4}, "prosody": {"bm_george": 1.0},
              "held_back": {"dvector": 0.8, "resemblyzer": 0.873}}
    done = voices.voice_view(custom(match_status="done", similarity=0.873, engine_voice='"bm_daniel"',
                                    match_report=match_report.dump(report)), MEMBER)
    assert (done.state, done.matching, done.badge) == ("ready", False, "Matched voice")
    assert done.sentence == ("Matched voice: a blend of Kokoro voices Walter and Aaron shaped to your pitch; not a "
                                "clone of your recording.")
    assert done.similarity == "87% similar" and done.scale == labels.SIMILARITY_SCALE
    failed = voices.voice_view(custom(match_status="failed", match_error="No speech found"), MEMBER)
    assert (failed.state, failed.sentence, failed.similarity) == ("failed", "No speech found", "")


@pytest.mark.parametrize("fields", [
    {"match_status": "done", "similarity": 0.9, "engine_voice": '"am_adam"'},  # matched before reports: no figure
    {"match_status": "done", "similarity": 0.9, "engine_voice": '"am_adam"',
     "match_report": '{"held_back": {"resemblyzer": 0.9}}'},
    {"match_status": "running", "similarity": 0.9},
])
def test_a_card_never_shows_a_percentage_without_its_scale(fields):
    view = voices.voice_view(custom(**fields), MEMBER)
    shown = " ".join(str(value) for value in asdict(view).values())
    assert "% similar" not in shown or view.scale == labels.SIMILARITY_SCALE


def test_with_a_cloning_engine_the_card_says_cloned_and_is_ready_at_once():
    engine = labels.ActiveEngine(clones=True, label="Remote speech service")
    view = voices.voice_view(custom(match_status="queued"), MEMBER, engine=engine)
    assert (view.state, view.matching, view.badge) == ("ready", False, "Cloned")
    assert view.sentence == "Cloned from your recording by Remote speech service." and view.similarity == ""


def test_only_admins_and_the_creator_may_change_a_custom_voice_and_nobody_a_system_one():
    mine, theirs = custom(created_by="usr_member"), custom(created_by="usr_other")
    assert voices.voice_view(mine, MEMBER).can_manage
    assert not voices.voice_view(theirs, MEMBER).can_manage
    assert voices.voice_view(theirs, ADMIN).can_manage
    system = Voice(name="Aaron", variant=VoiceVariant.SYSTEM, language="en-US")
    view = voices.voice_view(system, ADMIN)
    assert not view.can_manage and not view.custom and view.state == "builtin"


@pytest.mark.parametrize("size, text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (12_582_912, "12.0 MB")])
def test_file_sizes_read_in_b_kb_mb(size, text):
    assert file_size(size) == text


def test_avatars_are_the_same_for_an_id_and_differ_between_ids():
    assert avatars.glass("voi_a") == avatars.glass("voi_a")
    assert avatars.glass("voi_a") != avatars.glass("voi_b")
    assert avatars.glass("voi_a").count("gradient(") == 3


def test_the_record_tab_asks_for_the_speech_the_server_requires(configure):
    assert speech_hint(10) == "Record at least 10 seconds of you talking; about 15 seconds is safest."
    assert speech_hint(7.2) == "Record at least 8 seconds of you talking; about 12 seconds is safest."
    assert speech_hint(0) == "Record a few seconds of you talking."
    hint = VoiceCreateState.computed_vars["record_hint"].fget
    configure(VOICE_MIN_SPEECH_SECONDS="12", VOICE_MIN_SECONDS="10")
    assert hint(None) == speech_hint(12)
    configure(VOICE_MIN_SPEECH_SECONDS="4", VOICE_MIN_SECONDS="10")  # the whole sample's minimum is the larger
    assert hint(None) == speech_hint(10)
