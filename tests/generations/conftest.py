"""Generation fixtures: an organization with a member, a ready system voice, and the stand-in engine."""

from __future__ import annotations

import pytest

from resonance.generations import jobs
from resonance.orgs.scope import system_session
from resonance.speech.engine import SpeechParams
from resonance.voices.models import Voice, VoiceVariant
from tests.factories import make_org, make_user, signed_in
from tests.fakes import ToneEngine


@pytest.fixture
def engine(monkeypatch) -> ToneEngine:
    tone = ToneEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: tone)
    return tone


@pytest.fixture
def team(sqlite_db):
    admin = make_user(name="Ada Admin")
    org = make_org(admin=admin, name="Acme")
    principal, _ = signed_in(admin, org)
    return org, principal


def ready_voice(org=None, *, name: str = "Aaron", spec: str = '"am_michael"') -> Voice:
    voice = Voice(org_id=org.id if org else None, name=name,
                  variant=VoiceVariant.CUSTOM if org else VoiceVariant.SYSTEM,
                  object_key=f"voices/system/{name.lower()}", engine_voice=spec, match_status="done")
    with system_session() as session:
        session.add(voice)
    return voice


def unmatched_voice(org, *, status: str = "queued", progress: float = 0.0, error: str = "") -> Voice:
    """A custom voice Kokoro cannot speak yet: its match is queued, running or failed, no engine spec written."""
    voice = Voice(org_id=org.id, name="Fresh", variant=VoiceVariant.CUSTOM, object_key=f"voices/orgs/{org.id}/fresh",
                  match_status=status, match_progress=progress, match_error=error)
    with system_session() as session:
        session.add(voice)
    return voice


DEFAULTS = SpeechParams()
