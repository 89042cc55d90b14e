"""What a voice is, in words: built-in, matched (by Kokoro, never called a clone) or cloned (only by a cloning
engine), the match's progress and failure, and the similarity only with the scale it is measured on."""

from __future__ import annotations

import json

import pytest

from resonance.voices import labels, match_report
from resonance.voices.models import Voice, VoiceVariant
from tests.fakes import ToneEngine

REPORT = {"timbre": {"am_michael": 0.2, "bm_daniel": 0.5, "af_sarah": 0.3}, "prosody": {"bm_george": 1.0},
          "held_back": {"dvector": 0.81, "resemblyzer": 0.72}, "pitch_hz": 112.0, "syntheses": 40, "seconds": 30.0}


def custom(**fields) -> Voice:
    return Voice(**{"org_id": "org_1", "name": "Harbour Guide", "variant": VoiceVariant.CUSTOM,
                    "object_key": "voices/orgs/org_1/harbour"} | fields)


def matched(report: dict | None = REPORT, **fields) -> Voice:
    spec = {"timbre": REPORT["timbre"], "prosody": REPORT["prosody"], "shift": [0.0] * 128}
    return custom(**{"match_status": "done", "match_progress": 1.0, "engine_voice": json.dumps(spec),
                     "similarity": 0.72, "match_report": match_report.dump(report) if report is not None else None}
                  | fields)


def test_a_built_in_voice_is_premade_and_ready():
    kind = labels.describe(Voice(name="Aaron", variant=VoiceVariant.SYSTEM, engine_voice='"am_michael"'),
                           clones=False)
    assert (kind.category, kind.badge, kind.sentence) == ("premade", "Built-in", labels.BUILT_IN)
    assert kind.ready and kind.match is None and kind.similarity_text == "" and kind.scale == ""


@pytest.mark.parametrize("status, progress", [("queued", 0.0), ("running", 0.42)])
def test_a_voice_being_matched_says_so_with_its_progress_and_cannot_speak_yet(status, progress):
    kind = labels.describe(custom(match_status=status, match_progress=progress), clones=False)
    assert (kind.category, kind.badge, kind.sentence) == ("matched", "Matched voice", "Being matched to Kokoro voices…")
    assert kind.match == labels.MatchState(status, progress, None, "") and kind.match.pending
    assert not kind.ready and kind.similarity_text == "" and kind.scale == ""


def test_a_matched_voice_names_its_kokoro_voices_largest_first_by_the_names_people_see():
    kind = labels.describe(matched(), clones=False)
    # bm_daniel speaks Walter, af_sarah Laura, am_michael Aaron (voices/catalog.py)
    assert kind.sentence == ("Matched voice: a blend of Kokoro voices Walter, Laura and Aaron shaped to your pitch; "
                             "not a clone of your recording.")
    assert (kind.category, kind.badge, kind.ready) == ("matched", "Matched voice", True)
    assert kind.match == labels.MatchState("done", 1.0, 0.72, "")
    assert kind.similarity_text == "72% similar" and kind.scale == labels.SIMILARITY_SCALE
    assert kind.scale == ("Measured on part of your recording the matcher never heard. Two recordings of the same "
                          "person usually score 85–95%; different people 30–75%.")


@pytest.mark.parametrize("timbre, named", [
    ({"am_michael": 1.0}, "Kokoro voice Aaron"),
    ({"af_sky": 0.4, "am_michael": 0.6}, "a blend of Kokoro voices Aaron and af_sky"),  # af_sky speaks no built-in
    ({"am_michael": 0.3, "bm_daniel": 0.25, "af_sarah": 0.2, "af_sky": 0.15, "bm_lewis": 0.1},
     "a blend of Kokoro voices Aaron, Walter, Laura and 2 more"),
])
def test_the_sentence_names_one_voice_or_a_blend_and_counts_the_rest(timbre, named):
    kind = labels.describe(matched(REPORT | {"timbre": timbre}), clones=False)
    assert kind.sentence == f"Matched voice: {named} shaped to your pitch; not a clone of your recording."


def test_a_voice_matched_before_reports_names_its_blend_and_shows_no_figure_it_cannot_explain():
    """Its similarity was measured on the whole recording by another embedder: the scale does not describe it."""
    kind = labels.describe(matched(None, engine_voice='{"am_michael": 0.7, "bm_daniel": 0.3}'), clones=False)
    assert kind.sentence == "Matched voice: a blend of Kokoro voices Aaron and Walter; not a clone of your recording."
    assert kind.ready and kind.similarity is None and kind.similarity_text == "" and kind.scale == ""
    unreadable = labels.describe(matched(None, match_report="{not json", engine_voice="{not json"), clones=False)
    assert unreadable.sentence == "Matched voice: made from Kokoro voices; not a clone of your recording."


def test_a_failed_match_shows_the_stored_error_and_cannot_speak():
    kind = labels.describe(custom(match_status="failed", match_error="Voice matching failed. Reference: 7f3a9c2e"),
                           clones=False)
    assert kind.sentence == "Voice matching failed. Reference: 7f3a9c2e" and kind.category == "matched"
    assert kind.match == labels.MatchState("failed", 0.0, None, "Voice matching failed. Reference: 7f3a9c2e")
    assert not kind.ready and not kind.match.pending
    assert labels.describe(custom(match_status="failed"), clones=False).sentence == "Matching failed"


@pytest.mark.parametrize("voice", [custom(match_status="queued"), matched()])
def test_with_a_cloning_engine_a_custom_voice_is_cloned_at_once_and_shows_no_kokoro_figure(voice):
    kind = labels.describe(voice, clones=True, engine="Remote speech service")
    assert (kind.category, kind.badge) == ("cloned", "Cloned")
    assert kind.sentence == "Cloned from your recording by Remote speech service."
    assert kind.ready and kind.similarity_text == "" and kind.scale == ""
    assert kind.match.status == voice.match_status  # the match itself is still reported as it is


def test_the_active_engine_decides_and_a_broken_one_reads_as_not_cloning(monkeypatch):
    monkeypatch.setattr(labels, "get_engine", lambda: ToneEngine(clones=True))
    assert labels.active_engine() == labels.ActiveEngine(clones=True, label="Test tone")

    def broken():
        raise RuntimeError("speech service down")

    monkeypatch.setattr(labels, "get_engine", broken)
    assert labels.active_engine() == labels.ActiveEngine(clones=False, label="")
