"""Settings of the speech engine, voice matching and custom voice uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from resonance.core.settings.paths import ROOT


class SpeechSettings(BaseSettings):
    """Which engine speaks, where its models are, and what a voice upload may be."""

    # Speech engine: Kokoro in this process unless SPEECH_URL names a service speaking the /generate contract
    SPEECH_URL: str = ""
    SPEECH_API_KEY: str = ""  # sent as x-api-key to SPEECH_URL; our own speech service requires it (empty: refuses all)
    SPEECH_TIMEOUT_SECONDS: float = Field(120, gt=0)  # per request to SPEECH_URL
    # Voice matching's budget per voice: syntheses (starting blends, search steps and the final measurement) and time
    MATCH_SYNTHESES: int = Field(100, ge=4, le=100)
    MATCH_SECONDS: float = Field(60, gt=0, le=600)
    SPEECH_MODELS_DIR: Path = ROOT / "tools" / "speech"  # Kokoro model and voice packs (scripts/env.sh builds them)
    SPEECH_THREADS: int = Field(1, ge=0)  # onnxruntime intra-op threads per chunk; 0: one per CPU core
    SPEECH_WORKERS: int = Field(0, ge=0)  # chunks of one text synthesised at once; 0: cores / threads on the CPU, 4 on a GPU

    SPEECH_DEVICE: Literal["auto", "cpu", "cuda"] = "auto"  # auto: onnxruntime's CUDA provider when it has one

    # Custom voice uploads
    VOICE_MAX_BYTES: int = Field(20 * 1024 * 1024, gt=0)
    VOICE_MIN_SECONDS: float = Field(10, ge=0)
    VOICE_MAX_SECONDS: float = Field(300, gt=0)
    VOICE_MIN_SPEECH_SECONDS: float = Field(10, ge=0)  # voiced time, pauses and noise left out

    @model_validator(mode="after")
    def _check_voice_limits(self) -> Self:
        if self.VOICE_MIN_SECONDS >= self.VOICE_MAX_SECONDS:
            raise ValueError("RESONANCE_VOICE_MIN_SECONDS must be less than RESONANCE_VOICE_MAX_SECONDS")
        if self.VOICE_MIN_SPEECH_SECONDS >= self.VOICE_MAX_SECONDS:
            raise ValueError("RESONANCE_VOICE_MIN_SPEECH_SECONDS must be less than RESONANCE_VOICE_MAX_SECONDS")
        return self
