"""How the speech engines speak a Voice row: its reference audio key plus the default engine's spec."""

from __future__ import annotations

import json

from resonance.speech.engine import EngineVoice, VoiceSpec
from resonance.voices.models import Voice


def dump_spec(spec: VoiceSpec) -> str:
    return json.dumps(dict(spec) if not isinstance(spec, str) else spec, sort_keys=True)


def load_spec(voice: Voice) -> VoiceSpec:
    return json.loads(voice.engine_voice) if voice.engine_voice else None


def engine_voice_for(voice: Voice) -> EngineVoice:
    return EngineVoice(voice_key=voice.object_key or "", spec=load_spec(voice))
