"""Kokoro's files from registry packages: the voice packs of kokoro-js become one .npz; the model is assembled."""

from __future__ import annotations

import numpy as np
import pytest

from resonance.speech import install
from resonance.speech.kokoro_voices import STOCK


def test_english_voice_packs_become_one_npz(tmp_path):
    packs = tmp_path / "voices"
    packs.mkdir()
    for index, name in enumerate([*STOCK, "jf_alpha", "zf_xiaobei"]):
        np.full(install.PACK_SHAPE, index, np.float32).tofile(packs / f"{name}.bin")
    names = install.build_voices(packs, tmp_path / "out" / install.VOICES_FILE)
    assert names == sorted(STOCK)
    with np.load(tmp_path / "out" / install.VOICES_FILE) as npz:
        assert sorted(npz.files) == sorted(STOCK)
        assert npz["af_alloy"].shape == install.PACK_SHAPE and npz["af_alloy"].dtype == np.float32


def test_missing_packs_are_reported(tmp_path):
    with pytest.raises(SystemExit, match="28 English voice packs"):
        install.build_voices(tmp_path, tmp_path / install.VOICES_FILE)


def test_the_installed_model_is_in_the_models_folder(kokoro):
    from resonance.core.config import get_settings

    folder = get_settings().SPEECH_MODELS_DIR
    assert install.assemble_model(folder) == folder / install.MODEL_FILE
    assert (folder / install.MODEL_FILE).stat().st_size > 80_000_000
