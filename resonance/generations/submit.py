"""Submitting a generation: the one use case the app's editor and the public API share.

The row is written in the actor's tenant session (the rules and the subscription gate live in `service`), then the
job backend is woken so speaking starts at once instead of at its next poll.
"""

from __future__ import annotations

from resonance.generations.service import GenerationRequest, create_generation
from resonance.jobs.default import default_runner
from resonance.orgs.principal import Principal
from resonance.orgs.scope import tenant_session
from resonance.speech.engine import SpeechParams
from resonance.speech.registry import get_engine


def submit_generation(actor: Principal, text: str, voice_id: str, params: SpeechParams) -> str:
    """Queue the generation and return its id; raises the service's errors (Invalid, NotFound, SubscriptionRequired,
    VoiceUnavailable) with nothing written."""
    capabilities = get_engine().capabilities
    with tenant_session(actor.org_id) as session:
        generation = create_generation(session=session, actor=actor, capabilities=capabilities,
                                       request=GenerationRequest(text=text, voice_id=voice_id, params=params))
        generation_id = generation.id
    default_runner().notify()
    return generation_id
