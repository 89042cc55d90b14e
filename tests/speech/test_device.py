"""Which onnxruntime providers Kokoro asks for, per RESONANCE_SPEECH_DEVICE and what the installed build offers."""

from __future__ import annotations

import pytest

from resonance.core.errors import ConfigError
from resonance.speech.engine import SpeechEngineError
from resonance.speech.kokoro_model import choose_providers, providers

GPU_BUILD = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
CPU_BUILD = ["AzureExecutionProvider", "CPUExecutionProvider"]


def test_auto_takes_cuda_first_with_the_cpu_as_fallback_when_the_build_has_it():
    assert choose_providers("auto", GPU_BUILD) == ["CUDAExecutionProvider", "CPUExecutionProvider"]


def test_auto_and_cpu_use_the_cpu_on_a_cpu_build():
    assert choose_providers("auto", CPU_BUILD) == ["CPUExecutionProvider"]
    assert choose_providers("cpu", CPU_BUILD) == ["CPUExecutionProvider"]


def test_cpu_keeps_a_gpu_build_off_the_gpu():
    assert choose_providers("cpu", GPU_BUILD) == ["CPUExecutionProvider"]


def test_cuda_without_a_cuda_build_is_a_clear_error_naming_the_variable():
    with pytest.raises(SpeechEngineError, match="RESONANCE_SPEECH_DEVICE=cuda.*onnxruntime-gpu"):
        choose_providers("cuda", CPU_BUILD)
    assert choose_providers("cuda", GPU_BUILD)[0] == "CUDAExecutionProvider"


def test_the_setting_is_validated_and_drives_the_installed_build(configure):
    import onnxruntime

    configure(SPEECH_DEVICE="cpu")
    assert providers() == ["CPUExecutionProvider"]
    configure(SPEECH_DEVICE="auto")
    assert providers() == choose_providers("auto", onnxruntime.get_available_providers())
    with pytest.raises(ConfigError, match="RESONANCE_SPEECH_DEVICE"):
        configure(SPEECH_DEVICE="gpu")
