"""The speech-recognition check: Whisper tiny.en hears what Kokoro said, and the letter error rate says how well."""

from __future__ import annotations

import pytest

from resonance.voices.likeness.intelligibility import cer, transcribe
from tests.voices.likeness.conftest import LIGHTHOUSE, MARKET


def test_kokoro_speech_is_heard_as_its_sentence_and_not_as_another(say):
    heard = transcribe(say("af_heart", MARKET))
    assert cer(MARKET, heard) <= 0.05, heard
    assert cer(LIGHTHOUSE, heard) > 0.5


@pytest.mark.parametrize(("expected", "heard", "rate"), [
    ("Life-like speech, isn't it?", "lifelike speech isn’t it", 0.0),  # case, punctuation, hyphens, spaces, quotes
    ("abcd", "abxd", 0.25),  # one substitution in four letters
    ("abcd", "", 1.0),
    ("...", "", 0.0),
])
def test_cer_counts_letter_edits_over_the_expected_letters(expected, heard, rate):
    assert cer(expected, heard) == pytest.approx(rate)
