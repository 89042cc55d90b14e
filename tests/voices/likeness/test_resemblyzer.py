"""Resemblyzer's speaker encoder in numpy, on real Kokoro speech; its weights come only from the pinned wheel."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from resonance.voices.likeness import resemblyzer
from resonance.voices.likeness.torch_checkpoint import CheckpointRefused
from tests.voices.likeness.conftest import LIGHTHOUSE, MARKET


def test_one_voice_on_two_sentences_is_closer_than_two_voices_on_one(say):
    michael, michael_again, heart = (resemblyzer.embed(say(voice, text)) for voice, text in
                                     (("am_michael", LIGHTHOUSE), ("am_michael", MARKET), ("af_heart", LIGHTHOUSE)))
    assert float(michael @ michael_again) > float(michael @ heart)


def test_embeddings_are_unit_length_and_deterministic_even_for_a_clip_shorter_than_one_window(say):
    speech = say("bf_emma", MARKET)
    for clip in (speech, speech[:16_000]):
        first, second = resemblyzer.embed(clip), resemblyzer.embed(clip.copy())
        assert first.shape == (256,) and first.dtype == np.float32
        assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("clip", [np.zeros(0, np.float32), np.zeros(16_000, np.float32),
                                  np.full(16_000, np.nan, np.float32), np.zeros((2, 16_000), np.float32)])
def test_empty_silent_or_broken_audio_gets_a_clear_error(clip):
    with pytest.raises(ValueError, match="mono audio with some sound"):
        resemblyzer.embed(clip)


def test_a_missing_weights_file_names_the_install_command(tmp_path):
    with pytest.raises(resemblyzer.EncoderMissing, match="ensure_speech_models") as refused:
        resemblyzer.embed(np.ones(16_000, np.float32), models_dir=tmp_path)
    assert str(tmp_path / resemblyzer.WEIGHTS_FILE) in str(refused.value)


def test_only_the_pinned_wheel_is_converted_and_a_refusal_writes_nothing(tmp_path):
    """Attack: a look-alike wheel (its pretrained.pt could be anything) is refused before it is opened."""
    wheel = tmp_path / "Resemblyzer-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(resemblyzer.WHEEL_MEMBER, b"not the weights")
    out = tmp_path / "models"
    with pytest.raises(CheckpointRefused, match="not the pinned resemblyzer 0.1.4 wheel"):
        resemblyzer.install_weights(wheel, out)
    assert not out.exists()


def test_the_mel_frames_are_librosas_as_resemblyzer_computes_them(say):
    import librosa

    speech = say("am_michael", MARKET)
    expected = librosa.feature.melspectrogram(y=speech, sr=16_000, n_fft=400, hop_length=160, n_mels=40).T
    np.testing.assert_allclose(resemblyzer.mel_frames(speech), expected, rtol=1e-4, atol=1e-6 * expected.max())
