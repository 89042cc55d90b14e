"""The float model for GPUs: made from the int8 one, chosen on CUDA, and speaking the same words."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from resonance.speech.dequantize import dequantize
from resonance.speech.install import FLOAT_MODEL_FILE, MODEL_FILE, VOICES_FILE, assemble_model
from resonance.speech.kokoro_model import CUDA_OPTIONS, model_file, with_options
from resonance.voices.likeness.intelligibility import letters

SENTENCE = "The lighthouse keeper climbed the spiral stairs an hour before sunset."


def test_cuda_gets_cudnn_heuristics_and_the_cpu_gets_nothing():
    assert with_options(["CUDAExecutionProvider", "CPUExecutionProvider"]) == [
        ("CUDAExecutionProvider", CUDA_OPTIONS), "CPUExecutionProvider"]
    assert CUDA_OPTIONS == {"cudnn_conv_algo_search": "HEURISTIC"}


def test_the_float_model_is_used_on_a_gpu_only_and_only_when_made(tmp_path, caplog):
    (tmp_path / MODEL_FILE).write_bytes(b"int8")
    with caplog.at_level(logging.WARNING, logger="resonance.speech"):
        assert model_file(tmp_path, on_gpu=True).name == MODEL_FILE
    assert "resonance.speech.dequantize" in caplog.text
    (tmp_path / FLOAT_MODEL_FILE).write_bytes(b"float")
    assert model_file(tmp_path, on_gpu=True).name == FLOAT_MODEL_FILE
    assert model_file(tmp_path, on_gpu=False).name == MODEL_FILE


@pytest.fixture(scope="module")
def float_model(tmp_path_factory):
    from resonance.core.config import get_settings

    models = get_settings().SPEECH_MODELS_DIR
    target = tmp_path_factory.mktemp("float") / FLOAT_MODEL_FILE
    counts = dequantize(assemble_model(models), target)
    yield target, models, counts
    target.unlink()


def test_every_integer_node_is_rewritten_as_its_float_original(float_model):
    import onnx

    target, _, counts = float_model
    assert counts == {"MatMulInteger": 148, "ConvInteger": 87, "DynamicQuantizeLSTM": 6}
    ops = {node.op_type for node in onnx.load(str(target), load_external_data=False).graph.node}
    assert not ops & {"MatMulInteger", "ConvInteger", "DynamicQuantizeLSTM", "DynamicQuantizeLinear"}
    assert {"MatMul", "Conv", "LSTM"} <= ops


def test_the_float_model_says_the_same_words_for_as_long(float_model, transcribe):
    import onnxruntime as ort
    from kokoro_onnx import Kokoro

    target, models, _ = float_model
    style = np.load(models / VOICES_FILE)["af_heart"].astype(np.float32)
    lengths = {}
    for path in (assemble_model(models), target):
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        engine = Kokoro.__new__(Kokoro)
        engine._setup(session=session, model_path=str(path), voices_path=str(models / VOICES_FILE),
                      espeak_config=None, vocab_config=None)
        samples, rate = engine.create(SENTENCE, voice=style, lang="en-us")
        lengths[path.name] = len(samples)
        if path == target:
            assert letters(transcribe(np.asarray(samples, np.float32), rate)) == letters(SENTENCE)
    # The int8 model quantises activations at run time, so predicted durations differ by a frame or two, no more
    assert abs(lengths[FLOAT_MODEL_FILE] - lengths[MODEL_FILE]) <= 0.03 * lengths[MODEL_FILE]

