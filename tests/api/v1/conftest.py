"""The public API under test: the app's FastAPI part served by uvicorn on a loopback port (in a thread of this
process, so it shares the test's database and storage settings), driven by the official `elevenlabs` SDK.

Generations are spoken by a job runner thread as in the app; the engine is the stand-in tone engine unless a test
asks for Kokoro (the `kokoro` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from elevenlabs import ElevenLabs

from resonance.api.app import build_api
from resonance.api.v1 import live
from resonance.generations import submit
from resonance.billing.models import SubscriptionState
from resonance.core.clock import clock
from resonance.generations import jobs
from resonance.jobs.runner import Runner
from resonance.orgs import api_keys
from resonance.orgs.models import Organization
from resonance.orgs.principal import Principal
from resonance.orgs.scope import system_session, tenant_session
from resonance.speech.kokoro import KokoroEngine
from resonance.speech.kokoro_model import load_model
from resonance.voices import labels
from tests.factories import make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice
from tests.servers import self_signed_certificate, serving


@pytest.fixture(scope="session")
def base_url():
    with serving(build_api(), name="api-under-test", lifespan="off") as url:
        yield url


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A throwaway certificate for 127.0.0.1 and its key: the SDK's live-input helper only speaks wss://."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls_url(certificate):
    """The same API over TLS on loopback, as behind the production proxy (clients trust it through SSL_CERT_FILE)."""
    cert_file, key_file = certificate
    with serving(build_api(), name="api-under-test-tls", lifespan="off", ssl_certfile=str(cert_file),
                 ssl_keyfile=str(key_file)) as url:
        yield url.replace("http://", "https://")


def use_engine(monkeypatch, engine) -> None:
    """The engine the generation job (and the live-input WebSocket) speaks with and the API reads capabilities
    from."""
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    monkeypatch.setattr(live, "get_engine", lambda: engine)
    monkeypatch.setattr(submit, "get_engine", lambda: engine)
    monkeypatch.setattr(labels, "get_engine", lambda: engine)


@pytest.fixture
def engine(monkeypatch) -> ToneEngine:
    tone = ToneEngine()
    use_engine(monkeypatch, tone)
    return tone


@pytest.fixture
def runner():
    """The job runner thread of the app, polling often so tests do not wait on it."""
    running = Runner([jobs.GENERATION_JOBS], idle_wait_s=0.02)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def kokoro_engine() -> KokoroEngine:
    load_model()
    return KokoroEngine()


@pytest.fixture
def kokoro(monkeypatch, kokoro_engine) -> KokoroEngine:
    """The real engine (Kokoro-82M on this machine) speaks the generations."""
    use_engine(monkeypatch, kokoro_engine)
    return kokoro_engine


@dataclass
class Team:
    org: Organization
    admin: Principal
    secret: str
    client: ElevenLabs

    def key(self, name: str = "Another key") -> str:
        with tenant_session(self.org.id) as session:
            return api_keys.create_key(session=session, actor=self.admin, name=name).secret


def client_for(base_url: str, secret: str, **options) -> ElevenLabs:
    return ElevenLabs(api_key=secret, base_url=base_url, timeout=60, **options)


def make_team(base_url: str, name: str) -> Team:
    admin_user = make_user(name=f"{name} Admin")
    org = make_org(admin=admin_user, name=name)
    admin, _ = signed_in(admin_user, org)
    with tenant_session(org.id) as session:
        secret = api_keys.create_key(session=session, actor=admin, name=f"{name} script").secret
    return Team(org, admin, secret, client_for(base_url, secret))


@pytest.fixture
def team(sqlite_db, base_url) -> Team:
    return make_team(base_url, "Acme")


@pytest.fixture
def rival(team, base_url) -> Team:
    return make_team(base_url, "Rival")


def billing_on(configure, org: Organization, *, active: bool) -> None:
    """Billing on, with the organization's state known and fresh, so nothing asks Polar (not reachable here)."""
    configure(POLAR_ACCESS_TOKEN="polar_test_token", POLAR_PRODUCT_ID="prod_test",
              POLAR_SERVER_URL="http://127.0.0.1:9")
    now = clock.now()
    with system_session() as session:
        session.add(SubscriptionState(org_id=org.id, active=active, subscription_status="active" if active else "",
                                 period_start=now - timedelta(days=1), period_end=now + timedelta(days=29),
                                 state_at=now, checked_at=now, attempted_at=now))


@pytest.fixture
def system_voice(team):
    return ready_voice(name="Aaron", spec='"am_michael"')
