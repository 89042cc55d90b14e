"""Which voice an OpenAI request names. `voice` may be, tried in this order:

1. a voice id (`voi_…`): the organization's own voice or a built-in one;
2. a voice name, matched case-insensitively: the organization's own voices first (the newest, if several share the
   name), then the built-in voices. So an organization's own voice named "Aaron" wins over the built-in Aaron, and
   one named "alloy" over OpenAI's alloy: the organization chose that name;
3. one of OpenAI's voice names, spoken by the built-in voice of similar character in `OPENAI_VOICES`.

Anything else is 404 `voice_not_found`. `{"id": "…"}` (OpenAI's custom voice object) is read as its id.
"""

from __future__ import annotations

from resonance.orgs.scope import tenant_session
from resonance.voices import service as voices

# OpenAI's voice → the built-in voice (resonance/voices/catalog.py) of similar character.
OPENAI_VOICES = {
    "alloy": "Lucy",  # neutral, even, composed
    "ash": "Andy",  # clear, versatile male
    "ballad": "Archer",  # soft, melodic storyteller
    "cedar": "Gavin",  # calm, smooth male
    "coral": "Laura",  # warm, friendly female
    "echo": "Brian",  # clear male; both are Kokoro's am_echo
    "fable": "Walter",  # British storyteller with gravitas
    "marin": "Evelyn",  # warm, natural female
    "nova": "Chloe",  # bright, energetic female
    "onyx": "Ethan",  # deep, polished male; both are Kokoro's am_onyx
    "sage": "Abigail",  # calm, friendly female
    "shimmer": "Marisol",  # clear, confident female
    "verse": "Dylan",  # expressive, thoughtful male
}


def resolve(org_id: str, voice: str) -> str | None:
    """The id of the voice `voice` names for the organization, or None."""
    wanted = voice.strip()
    with tenant_session(org_id) as session:
        found = voices.list_voices(session=session)
    everyone = (*found.custom, *found.system)  # the organization's own first, newest first
    match = (next((v for v in everyone if v.id == wanted), None)
             or next((v for v in everyone if v.name.casefold() == wanted.casefold()), None))
    if match is not None:
        return match.id
    builtin = OPENAI_VOICES.get(wanted.casefold())
    return next((v.id for v in found.system if v.name == builtin), None) if builtin else None
