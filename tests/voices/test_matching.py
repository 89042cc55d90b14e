"""Voice matching with the real engine, embedders, VAD and speech recognition (recordings spoken by stock voices).

Budgets are small here: these tests prove what the matcher does with the recording, not how close it gets
(bench/voice_likeness.py measures that on real speakers)."""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from resonance.core.config import get_settings
from resonance.jobs.runner import Runner
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.speech.engine import SpeechEngineError, decode_sidecar, sidecar_key
from resonance.speech.kokoro_voices import STOCK, shape
from resonance.storage import get_storage
from resonance.ui.states.voices import voice_view
from resonance.voices import matching
from resonance.voices.likeness import stock_figures
from resonance.voices.models import Voice, VoiceVariant
from resonance.voices.voicespec import load_spec
from tests.factories import get, make_org, make_user
from tests.speech_samples import spoken

TALK = ("Good morning everyone. Today I would like to tell you a short story about a lighthouse keeper "
        "who lived alone on a rocky island, far away from the busy harbour town. Every night he climbed the stairs.")
BUDGET = 4  # syntheses per match: the least the settings allow
LATER = "In the spring the ferry came back, and with it letters, bread and news from the mainland."


@pytest.fixture(scope="module")
def talk() -> np.ndarray:
    """am_michael talking, then saying something else: the search part, and what follows the cut."""
    return spoken(TALK, "am_michael", matching.RATE)


@pytest.fixture(scope="module")
def later() -> dict[str, np.ndarray]:
    return {voice: spoken(LATER, voice, matching.RATE) for voice in ("am_michael", "af_heart")}


def recording(talk: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """`talk` then `tail`, cut so that the held-back part starts exactly where `tail` does."""
    total = next(n for n in range(int(len(talk) / (1 - matching.HELD_BACK)) - 2, len(talk) * 2)
                 if int(round(n * (1 - matching.HELD_BACK))) == len(talk))
    tail = np.resize(tail, total - len(talk)) if len(tail) < total - len(talk) else tail[: total - len(talk)]
    return np.concatenate([talk, tail]).astype(np.float32)


@pytest.fixture(scope="module")
def matched(talk, later):
    """The same speech before the cut, two different speakers after it (the least budget the settings allow)."""
    return {voice: matching.match_recording(recording(talk, tail), syntheses=BUDGET, seconds=600, workers=2)
            for voice, tail in later.items()}


def test_the_held_back_part_never_reaches_the_search(matched):
    same, other = matched["am_michael"], matched["af_heart"]
    assert same.spec == other.spec and same.found == other.found  # nothing after the cut changed the voice
    # ...but it is what the shown figure is measured on: the same speaker scores higher than another one
    assert same.held_back.resemblyzer > other.held_back.resemblyzer
    assert same.held_back.dvector > other.held_back.dvector


def test_a_mans_recording_gets_a_mans_pitch_and_timbre(matched):
    voice = shape(matched["am_michael"].spec)
    assert all(STOCK[name].gender == "male" for name in voice.prosody)
    assert STOCK[max(voice.timbre, key=voice.timbre.get)].gender == "male"


def test_the_match_keeps_to_its_synthesis_budget(matched):
    for result in matched.values():
        assert result.syntheses <= BUDGET
        assert result.found.dvector >= result.start.dvector and result.found.resemblyzer >= result.start.resemblyzer


def test_stock_figures_without_the_model_are_a_clear_error(tmp_path):
    with pytest.raises(SpeechEngineError, match="needs the Kokoro model.*scripts/run"):
        stock_figures.load(tmp_path)


def _models_folder(tmp_path):
    """A models folder with the installed model files (links) and no figures yet."""
    installed = get_settings().SPEECH_MODELS_DIR
    tmp_path.mkdir(exist_ok=True)
    for name in stock_figures.INPUTS:
        (tmp_path / name).symlink_to(installed / name)
    return tmp_path


def _counting_build(measured: list):
    def build(models_dir):  # a current file, written whole as the real one is, minus minutes of synthesis
        measured.append(models_dir)
        np.savez(models_dir / "part.npz", version=np.array(stock_figures.version(models_dir)))
        (models_dir / "part.npz").replace(models_dir / stock_figures.FILE)
    return build


def test_the_shipped_figures_fit_the_installed_model_files():
    """Fails after a change to how the figures are measured until `stock_figures --ship` measures them again."""
    assert stock_figures.is_current(get_settings().SPEECH_MODELS_DIR, stock_figures.SHIPPED)


def test_shipped_figures_that_fit_are_copied_not_measured(tmp_path, monkeypatch):
    models, measured = _models_folder(tmp_path), []
    monkeypatch.setattr(stock_figures, "build", _counting_build(measured))
    path = stock_figures.ensure(models)
    assert measured == [] and path.read_bytes() == stock_figures.SHIPPED.read_bytes()
    assert stock_figures.is_current(models)


def test_figures_the_package_does_not_ship_are_measured_once_however_many_ask(tmp_path, monkeypatch):
    """Other model files (or a changed method): the app's warm-up and a first match may ask together; one measures,
    the others wait and read its file."""
    models, measured = _models_folder(tmp_path / "models"), []
    monkeypatch.setattr(stock_figures, "SHIPPED", tmp_path / "stale.npz")
    np.savez(tmp_path / "stale.npz", version=np.array("measured-with-other-files"))
    monkeypatch.setattr(stock_figures, "build", _counting_build(measured))
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: stock_figures.ensure(models), range(4)))
    assert measured == [models] and set(paths) == {models / stock_figures.FILE}
    assert stock_figures.is_current(models)


def test_the_match_job_stores_the_voice_its_held_back_similarity_and_report(sqlite_db, configure, talk, later):
    configure(MATCH_SYNTHESES=4)  # the least the settings allow: this is about what the job stores
    org = make_org(admin=make_user())
    key = f"voices/orgs/{org.id}/voi_test"
    get_storage().put(key, audio.to_wav(recording(talk, later["am_michael"]), matching.RATE), "audio/wav")
    voice = Voice(org_id=org.id, name="Michael-ish", variant=VoiceVariant.CUSTOM, object_key=key,
                  match_status="queued", match_report=json.dumps({"recording": {"sample_rate": 8000}}))
    with system_session() as session:
        session.add(voice)
    assert matching.MATCH_JOBS.claim_next() == voice.id
    matching.run_match(voice.id)
    done = get(Voice, voice.id)
    assert (done.match_status, done.match_progress, done.match_error) == ("done", 1.0, "")
    spec, report = load_spec(done), json.loads(done.match_report)
    assert set(spec) >= {"timbre", "prosody"} and report["timbre"] == spec["timbre"]
    assert report["recording"] == {"sample_rate": 8000} and report["syntheses"] <= 4
    assert done.similarity == report["held_back"]["resemblyzer"] and 0 < done.similarity <= 1
    assert decode_sidecar(get_storage().get(sidecar_key(key))) == spec


def test_a_voice_whose_audio_is_gone_fails_with_a_reference_and_the_log_has_the_key(sqlite_db, caplog):
    """Attack: the failure names a storage key; the voice card shows a stable message and a reference only."""
    org = make_org(admin=make_user())
    key = f"voices/orgs/{org.id}/gone"
    voice = Voice(org_id=org.id, name="Lost", variant=VoiceVariant.CUSTOM, object_key=key, match_status="queued")
    with system_session() as session:
        session.add(voice)
    caplog.set_level(logging.INFO, logger="resonance")
    assert Runner([matching.MATCH_JOBS]).run_pending() == 1
    failed = get(Voice, voice.id)
    match = re.fullmatch(r"Voice matching failed\. Reference: ([0-9a-f]{8})", failed.match_error)
    assert failed.match_status == "failed" and match, failed.match_error
    member = Principal("usr_1", "m@example.com", "Max", "ses_1", org.id, "Acme", "member")
    assert voice_view(failed, member).sentence == failed.match_error  # what the voice card shows
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert voice.id in record.getMessage() and key in caplog.text  # the detail, under the same reference
