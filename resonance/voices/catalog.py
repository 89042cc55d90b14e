"""The 20 built-in voices, each spoken by a distinct Kokoro stock voice chosen for gender and
accent (Kokoro has American and British English only: en-IN and en-AU voices use British packs, the Russian-accented
character a deep British male)."""

from __future__ import annotations

from dataclasses import dataclass

from resonance.voices.models import VoiceCategory as C


@dataclass(frozen=True)
class SystemVoice:
    name: str
    category: C
    language: str
    description: str
    kokoro: str  # stock voice pack


SYSTEM_VOICES: tuple[SystemVoice, ...] = (
    SystemVoice("Aaron", C.AUDIOBOOK, "en-US", "Soothing and calm, like a self-help audiobook narrator", "am_michael"),
    SystemVoice("Abigail", C.CONVERSATIONAL, "en-GB", "Friendly and conversational with a warm, approachable tone", "bf_emma"),
    SystemVoice("Anaya", C.CUSTOMER_SERVICE, "en-IN", "Polite and professional, suited for customer service", "bf_alice"),
    SystemVoice("Andy", C.GENERAL, "en-US", "Versatile and clear, a reliable all-purpose narrator", "am_eric"),
    SystemVoice("Archer", C.NARRATIVE, "en-US", "Laid-back and reflective with a steady, storytelling pace", "am_liam"),
    SystemVoice("Brian", C.CUSTOMER_SERVICE, "en-US", "Professional and helpful with a clear customer support tone", "am_echo"),
    SystemVoice("Chloe", C.CORPORATE, "en-AU", "Bright and bubbly with a cheerful, outgoing personality", "bf_lily"),
    SystemVoice("Dylan", C.GENERAL, "en-US", "Thoughtful and intimate, like a quiet late-night conversation", "am_puck"),
    SystemVoice("Emmanuel", C.CHARACTERS, "en-US", "Nasally and distinctive with a quirky, cartoon-like quality", "am_fenrir"),
    SystemVoice("Ethan", C.VOICEOVER, "en-US", "Polished and warm with crisp, studio-quality delivery", "am_onyx"),
    SystemVoice("Evelyn", C.CONVERSATIONAL, "en-US", "Warm Southern charm with a heartfelt, down-to-earth feel", "af_heart"),
    SystemVoice("Gavin", C.MEDITATION, "en-US", "Calm and reassuring with a smooth, natural flow", "am_adam"),
    SystemVoice("Gordon", C.MOTIVATIONAL, "en-US", "Warm and encouraging with an uplifting, motivational tone", "am_santa"),
    SystemVoice("Ivan", C.CHARACTERS, "ru-RU", "Deep and cinematic with a dramatic, movie-character presence", "bm_george"),
    SystemVoice("Laura", C.CONVERSATIONAL, "en-US", "Authentic and warm with a conversational Midwestern tone", "af_sarah"),
    SystemVoice("Lucy", C.CUSTOMER_SERVICE, "en-US", "Direct and composed with a professional phone manner", "af_nicole"),
    SystemVoice("Madison", C.PODCAST, "en-US", "Energetic and unfiltered with a casual, chatty vibe", "af_bella"),
    SystemVoice("Marisol", C.ADVERTISING, "en-US", "Confident and polished with a persuasive, ad-ready delivery", "af_jessica"),
    SystemVoice("Meera", C.CUSTOMER_SERVICE, "en-IN", "Friendly and helpful with a clear, service-oriented tone", "bf_isabella"),
    SystemVoice("Walter", C.NARRATIVE, "en-US", "Old and raspy with deep gravitas, like a wise grandfather", "bm_daniel"),
)

PREVIEW_TEXT = "Hello! This is {name}. Resonance turns your words into lifelike speech in any voice you choose."
