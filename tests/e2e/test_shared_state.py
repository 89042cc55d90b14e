"""Two Reflex backend workers sharing page state through the running Redis (RESONANCE_REDIS_URL): one browser tab
(the same session cookie and the same client token) talks to worker A, then worker B, then A again, as a load
balancer may send it. Its page state follows it (a draft typed on one worker is there on the other), and its
signed-in user and active organization are the same on both, including an organization switch made on the other.

Each worker is `reflex run --env prod --backend-only` in a process of its own, with one granian worker, its own port
and its own state folder (as on separate machines); the database is shared. No frontend build is needed: the test
speaks Reflex's event protocol over Socket.IO like tests/e2e/test_websocket_security.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
import socketio

from tests.servers import free_port

from .e2e_support import ROOT, RunningApp, _app_env, _http_status, _python, stop_app

pytestmark = pytest.mark.e2e

NAMESPACE = "/_event"
REDIS_URL = os.environ.get("RESONANCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
WAIT = 30


def _state_names() -> dict[str, str]:
    from resonance.ui.states.auth import AuthState
    from resonance.ui.states.home import HomeState
    from resonance.ui.states.shell import ShellState

    return {"auth": AuthState.get_full_name(), "home": HomeState.get_full_name(), "shell": ShellState.get_full_name(),
            "root": AuthState.get_parent_state().get_full_name()}


@pytest.fixture(scope="module")
def workers():
    """Worker A and worker B on one Redis and one database; yields (app for seeding, url A, url B)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
    base = Path(tempfile.mkdtemp(prefix="resonance-workers-"))
    ports = [free_port(), free_port()]
    urls = [f"http://localhost:{port}" for port in ports]
    data_dir = base / "data"
    data_dir.mkdir()
    env = _app_env(url=urls[0], data_dir=data_dir, web_dir=base / "web", states_dir=base / "states")
    env.update(RESONANCE_REDIS_URL=REDIS_URL, RESONANCE_API_URL=urls[1], GRANIAN_WORKERS="1")
    app = RunningApp(url=urls[0], port=ports[0], data_dir=data_dir, web_dir=base / "web", env=env,
                     log=base / "a.log")
    migrate = subprocess.run([_python(), "-m", "reflex", "db", "migrate"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=180)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    procs, logs = [], []
    try:
        for name, port in zip("ab", ports):
            logs.append(base / f"{name}.log")
            with logs[-1].open("w") as log:
                procs.append(subprocess.Popen(
                    [_python(), "-m", "reflex", "run", "--env", "prod", "--backend-only", "--backend-host",
                     "127.0.0.1", "--backend-port", str(port)],
                    cwd=ROOT, env={**env, "REFLEX_STATES_WORKDIR": str(base / f"states-{name}")}, stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + 120
        for proc, url, log in zip(procs, urls, logs):
            while _http_status(f"{url}/ping") != 200:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.3)
        yield app, urls[0], urls[1]
    finally:
        app.close()
        for proc in procs:
            stop_app(proc)
        shutil.rmtree(base, ignore_errors=True)


class Tab:
    """One browser tab's connection to one worker: the session cookie, the tab's client token, the app's Origin."""

    def __init__(self, worker_url: str, origin: str, cookie: str, token: str, names: dict[str, str]):
        self.names = names
        self.updates: list[dict] = []
        self.arrived = threading.Condition()
        self.sio = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        hydrate = {"name": f"{names['root']}.hydrate_and_load", "payload": {},
                   "router_data": {"pathname": "/", "asPath": "/"}}
        self.sio.connect(f"{worker_url}?token={token}", socketio_path=NAMESPACE, namespaces=[NAMESPACE],
                         transports=["websocket"], headers={"Cookie": f"__Host-resonance_session={cookie}"},
                         auth={"event": hydrate}, wait_timeout=15)

    def _on_event(self, update: dict) -> None:
        with self.arrived:
            self.updates.append(update)
            self.arrived.notify_all()

    def values(self, state: str, var: str) -> list:
        """Every value of a var the updates carried, in order."""
        key = f"{var}_rx_state_"
        return [values[key] for update in self.updates
                if key in (values := (update.get("delta") or {}).get(self.names[state]) or {})]

    def latest(self, state: str, var: str):
        """The last value of a var any update carried (None: never sent)."""
        return (self.values(state, var) or [None])[-1]

    def hydrated(self, state: str, var: str):
        """A var's value in the state the worker loaded for this tab: the first update (the hydration) carries the
        whole state, before the page's on_load events run (the home page's load empties its box)."""
        return (self.values(state, var) or [None])[0]

    def wait(self, state: str, var: str, expected) -> None:
        deadline = time.monotonic() + WAIT
        with self.arrived:
            while self.latest(state, var) != expected:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{state}.{var} never became {expected!r}; got {self.latest(state, var)!r}"
                self.arrived.wait(remaining)

    def send(self, state: str, handler: str, payload: dict) -> None:
        self.sio.emit("event", {"name": f"{self.names[state]}.{handler}", "payload": payload,
                                "router_data": {"pathname": "/", "asPath": "/"}}, namespace=NAMESPACE)

    def switch_org(self, org_id: str) -> None:
        """Switch the session's organization and wait for the worker's answer (the page reload it asks for): the
        event has been handled and the tab's state written back before the tab moves on."""
        with self.arrived:
            seen = len(self.updates)
        self.send("shell", "switch_org", {"org_id": org_id})
        deadline = time.monotonic() + WAIT
        with self.arrived:
            while not any(event.get("name") == "_call_script" for update in self.updates[seen:]
                          for event in update.get("events") or ()):
                remaining = deadline - time.monotonic()
                assert remaining > 0, "switch_org was never answered"
                self.arrived.wait(remaining)

    def close(self) -> None:
        self.sio.disconnect()


def test_a_tab_moving_between_workers_keeps_its_state_session_and_organization(workers):
    app, url_a, url_b = workers
    world = app.seed({"users": {"ada": "Ada Lovelace"},
                      "orgs": {"alpha": {"name": "Alpha", "admin": "ada"}, "beta": {"name": "Beta", "admin": "ada"}},
                      "active": {"ada": "alpha"}})
    cookie, email = world["users"]["ada"]["cookie"], world["users"]["ada"]["email"]
    alpha, beta = world["orgs"]["alpha"]["id"], world["orgs"]["beta"]["id"]
    names, token, origin = _state_names(), str(uuid.uuid4()), app.url
    draft = f"typed on worker A {secrets.token_hex(3)}"

    on_a = Tab(url_a, origin, cookie, token, names)
    on_a.wait("auth", "org_id", alpha)
    on_a.send("home", "set_text", {"value": draft})
    on_a.wait("home", "text", draft)
    on_a.switch_org(beta)  # the session's active organization, in the database
    on_a.close()

    on_b = Tab(url_b, origin, cookie, token, names)
    on_b.wait("auth", "org_id", beta)  # same session, and the switch made on A
    on_b.wait("auth", "ready", True)
    assert on_b.latest("auth", "user_email") == email
    assert on_b.hydrated("home", "text") == draft  # page state written by A, read by B from Redis
    edit = f"edited on worker B {secrets.token_hex(3)}"
    on_b.send("home", "set_text", {"value": edit})
    on_b.wait("home", "text", edit)
    on_b.switch_org(alpha)
    on_b.close()

    back_on_a = Tab(url_a, origin, cookie, token, names)
    back_on_a.wait("auth", "org_id", alpha)
    assert back_on_a.hydrated("home", "text") == edit  # A did not keep its own stale copy
    back_on_a.close()

    # A tab that never visited either worker (a new client token) starts empty: the state is per tab, not per user.
    other = Tab(url_b, origin, cookie, str(uuid.uuid4()), names)
    other.wait("auth", "org_id", alpha)
    assert other.hydrated("home", "text") in (None, "")
    other.close()
