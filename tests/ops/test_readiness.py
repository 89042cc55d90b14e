"""/healthz and /readyz: what a load balancer sees, with real dependencies made unreachable (closed ports, a storage
folder that cannot be made)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from resonance.api.app import build_api
from resonance.ops.readiness import CachedReadiness, Readiness
from tests.conftest import _clear_caches
from tests.servers import free_port


@pytest.fixture
def client(data_dir):
    with TestClient(build_api(), base_url="http://localhost:8000") as http:
        yield http


def _forget_engine() -> None:
    """The next query makes a new connection (none pooled from before the URL changed); the test's engines are closed
    at its end."""
    _clear_caches()


def test_ready_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "speech": "ok"}}
    assert response.headers["cache-control"] == "no-store"


def test_healthz_answers_without_touching_anything(client, configure):
    port = free_port()
    configure(DATABASE_URL=f"postgresql://resonance_app:s3cret-pw@127.0.0.1:{port}/resonance")
    _forget_engine()
    assert client.get("/healthz").json() == {"status": "ok"}


def test_an_unreachable_database_is_named_and_nothing_about_it_is_revealed(client, configure):
    port = free_port()
    configure(DATABASE_URL=f"postgresql://resonance_app:s3cret-pw@127.0.0.1:{port}/resonance")
    _forget_engine()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"
    assert response.json()["checks"]["storage"] == "ok"
    for secret in ("s3cret", str(port), "127.0.0.1", "resonance_app", "postgresql"):
        assert secret not in response.text


def test_redis_down_is_named(client, configure):
    port = free_port()
    configure(REDIS_URL=f"redis://:hunter2@127.0.0.1:{port}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "error", "storage": "ok", "speech": "ok"}
    assert "hunter2" not in response.text and str(port) not in response.text


def test_an_unwritable_storage_folder_is_named(client, data_dir):
    # A file where the storage folder should be: nothing can be written there, whoever runs the test (root too).
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "storage").write_text("not a folder")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error"
    assert str(data_dir) not in response.text


def test_probes_are_exempt_from_body_limits_and_need_no_credentials(client):
    # A body over every route's cap does not get a 413 here: probes are answered from the checks alone.
    response = client.request("GET", "/readyz", content=b"x" * (300 * 1024))
    assert response.status_code == 200


def test_a_flood_of_probes_runs_one_round_of_checks_per_cache_period():
    rounds = []

    def run() -> Readiness:
        rounds.append(1)
        return Readiness({"database": "ok"})

    cached = CachedReadiness(ttl=3600, run=run)
    for _ in range(100):
        assert cached.get().ready
    assert len(rounds) == 1
    cached.clear()
    cached.get()
    assert len(rounds) == 2
