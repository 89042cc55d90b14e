"""The event websocket, attacked with a real Socket.IO client against the running app.

(a) Cross-site websocket hijacking: a handshake from a foreign Origin is refused; our own origin is accepted.
(b) Crafted events with a Member's valid session cookie: switching the session to an organization the user does not
    belong to, and every Admin handler of /settings/organization, are refused and change nothing in the database.
    Each refusal is paired with the same event succeeding for someone allowed, so the wire format is proven right
    and a refusal cannot be an event that simply never reached its handler.

The wire format is Reflex's (reflex/app.py `EventNamespace.on_event`, the compiled frontend's utils/state.js): a
Socket.IO client on path and namespace `/_event`, `?token=<client token>` in the URL, websocket transport only, and
`emit("event", {"name": "<full state name>.<handler>", "payload": {<arg>: <value>}, "router_data": {...}})`; the
server answers with "event" packets `{"delta": ..., "events": [...]}` (a toast is a `_call_function` event).
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import socketio
import socketio.exceptions

from .e2e_support import SESSION_COOKIE, RunningApp

pytestmark = pytest.mark.e2e

SHELL = "resonance___ui___states___shell____shell_state"
ORG_SETTINGS = "resonance___ui___states___org_settings____org_settings_state"
NAMESPACE = "/_event"


class EventSocket:
    """A Reflex client over a real Socket.IO websocket, with the given session cookie and Origin header."""

    def __init__(self, app: RunningApp, *, cookie: str | None = None, origin: str | None = None):
        self.app = app
        self.updates: list[dict] = []
        self._arrived = threading.Condition()
        self.sio = socketio.Client(reconnection=False,
                                   websocket_extra_options={"origin": origin or app.url})
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}

    def _on_event(self, update: dict) -> None:
        with self._arrived:
            self.updates.append(update)
            self._arrived.notify_all()

    def connect(self) -> EventSocket:
        self.sio.connect(f"{self.app.url}?token={uuid.uuid4()}", socketio_path=NAMESPACE, namespaces=[NAMESPACE],
                         transports=["websocket"], headers=self.headers, wait_timeout=15)
        return self

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    def send(self, state: str, handler: str, payload: dict, *, path: str = "/") -> list[dict]:
        """Emit one crafted event and return the frontend events the server answers with, once it has answered
        with one (every handler called here answers with a toast, a script or a redirect)."""
        start = len(self.updates)
        self.sio.emit("event", {
            "name": f"{self.app.state_name(state)}.{handler}",
            "payload": payload,
            "router_data": {"pathname": path, "asPath": path},
        }, namespace=NAMESPACE)
        deadline = time.monotonic() + 20
        with self._arrived:
            while not self._events_since(start):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no answer to {handler}; got {self.updates[start:]}"
                self._arrived.wait(remaining)
        time.sleep(0.1)  # a second packet of the same answer, if any
        with self._arrived:
            return self._events_since(start)

    def _events_since(self, start: int) -> list[dict]:
        return [e for u in self.updates[start:] for e in (u.get("events") or [])]


def toasts(events: list[dict], kind: str) -> list[str]:
    """The `kind` ("error", "success") toasts among the frontend events."""
    return [e["payload"]["function"] for e in events
            if e.get("name") == "_call_function" and f'["{kind}"]' in str(e.get("payload", {}).get("function", ""))]


def refused_as(events: list[dict], reason: str) -> bool:
    """An error toast mentioning `reason`, and no success toast, among the answer's frontend events."""
    errors = toasts(events, "error")
    return any(reason in e.lower() for e in errors) and not toasts(events, "success")


@pytest.fixture
def sockets(app):
    opened: list[EventSocket] = []

    def make(**kwargs) -> EventSocket:
        sock = EventSocket(app, **kwargs)
        opened.append(sock)
        return sock.connect()

    yield make
    for sock in opened:
        sock.close()


WORLD = {
    "users": {"admin": "Ada Admin", "member": "Mo Member", "outsider": "Otto Outsider"},
    "orgs": {
        "alpha": {"name": "Alpha", "admin": "admin", "members": ["member"]},
        "own": {"name": "Own", "admin": "member"},
        "foreign": {"name": "Foreign", "admin": "outsider"},
    },
    "active": {"admin": "alpha", "member": "alpha"},
}


@pytest.fixture
def world(app: RunningApp) -> dict:
    """Fresh for each test: org Alpha (Admin: admin; Member: member), the member's own org, and a foreign org of an
    outsider. The admin's and the member's sessions have Alpha active."""
    return app.seed(WORLD)


@pytest.fixture(scope="module")
def member_cookie(app: RunningApp) -> str:
    return app.seed(WORLD)["users"]["member"]["cookie"]


# (a) Origin


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost.evil.example"])
def test_foreign_origin_is_refused(app: RunningApp, member_cookie, origin):
    sock = EventSocket(app, cookie=member_cookie, origin=origin)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sock.connect()
    assert not sock.sio.connected


def test_own_origin_is_accepted(app: RunningApp, world, sockets):
    sock = sockets(cookie=world["users"]["member"]["cookie"], origin=app.url)
    assert sock.sio.connected
    # A real round trip: the handler resolved this cookie's user on the server and mirrored it back.
    sock.send(SHELL, "switch_org", {"org_id": world["orgs"]["alpha"]["id"]})
    deltas = [u["delta"] for u in sock.updates if u.get("delta")]
    assert world["users"]["member"]["email"] in str(deltas)


# (b) Crafted events with a Member's cookie


def active_org(app: RunningApp, session_id: str) -> str | None:
    return app.one("SELECT active_org_id FROM auth_sessions WHERE id = ?", session_id)


def test_member_cannot_switch_to_a_foreign_org(app: RunningApp, world, sockets):
    member, orgs = world["users"]["member"], world["orgs"]
    sock = sockets(cookie=member["cookie"])
    before = active_org(app, member["session_id"])
    assert before == orgs["alpha"]["id"]

    refused = sock.send(SHELL, "switch_org", {"org_id": orgs["foreign"]["id"]})
    assert refused_as(refused, "not found"), refused
    assert active_org(app, member["session_id"]) == before

    # The same event for an organization the member belongs to does switch: the crafted event was well formed.
    done = sock.send(SHELL, "switch_org", {"org_id": orgs["own"]["id"]})
    assert not toasts(done, "error"), done
    assert active_org(app, member["session_id"]) == orgs["own"]["id"]

    # Back to Alpha for the other tests; an unknown id is refused the same way.
    sock.send(SHELL, "switch_org", {"org_id": orgs["alpha"]["id"]})
    assert refused_as(sock.send(SHELL, "switch_org", {"org_id": "org_does_not_exist"}), "not found")
    assert active_org(app, member["session_id"]) == orgs["alpha"]["id"]


def org_snapshot(app: RunningApp, org_id: str) -> dict:
    """Everything an Admin action could change in an organization."""
    return {
        "org": app.query("SELECT id, name, slug, updated_at FROM organizations WHERE id = ?", org_id),
        "members": app.query("SELECT id, user_id, role FROM memberships WHERE org_id = ? ORDER BY id", org_id),
        "invitations": app.query("SELECT id, email, role, status FROM invitations WHERE org_id = ? ORDER BY id",
                                 org_id),
        "audit": app.query("SELECT count(*) FROM audit_events WHERE org_id = ?", org_id),
        "sessions": app.query("SELECT id, active_org_id FROM auth_sessions WHERE active_org_id = ? ORDER BY id",
                              org_id),
    }


def test_member_cannot_run_admin_actions(app: RunningApp, world, sockets):
    users, alpha = world["users"], world["orgs"]["alpha"]
    path = "/settings/organization"
    admin = sockets(cookie=users["admin"]["cookie"])
    member = sockets(cookie=users["member"]["cookie"])
    membership = {key: app.one("SELECT id FROM memberships WHERE org_id = ? AND user_id = ?", alpha["id"], u["id"])
                  for key, u in users.items() if key in ("admin", "member")}

    # The Admin invites someone (the invite event's wire format works), leaving a pending invitation to attack.
    invited = f"invitee-{uuid.uuid4().hex[:6]}@example.com"
    assert toasts(admin.send(ORG_SETTINGS, "invite", {"form": {"email": invited, "role": "member"}}, path=path),
                  "success")
    invitation_id = app.one("SELECT id FROM invitations WHERE org_id = ? AND email = ?", alpha["id"], invited)

    before = org_snapshot(app, alpha["id"])
    attacks = {
        "rename": {"form": {"name": "Pwned"}},
        "change_role": {"membership_id": membership["member"], "role": "admin"},  # promote oneself
        "invite": {"form": {"email": "accomplice@example.com", "role": "admin"}},
        "revoke_invitation": {"invitation_id": invitation_id},
        "remove_member": {"membership_id": membership["admin"]},
        "delete": {"form": {"confirmation": alpha["name"]}},
    }
    for handler, payload in attacks.items():
        answer = member.send(ORG_SETTINGS, handler, payload, path=path)
        assert refused_as(answer, "only admins"), (handler, answer)
        assert org_snapshot(app, alpha["id"]) == before, f"{handler} by a Member changed the organization"
    # Demoting the Admin last: had promoting oneself worked, this would have too.
    answer = member.send(ORG_SETTINGS, "change_role", {"membership_id": membership["admin"], "role": "member"},
                         path=path)
    assert refused_as(answer, "only admins"), answer
    assert org_snapshot(app, alpha["id"]) == before
    assert app.one("SELECT count(*) FROM invitations WHERE email = ?", "accomplice@example.com") == 0

    # Without a session cookie at all, the same handlers are refused too.
    anonymous = sockets()
    assert refused_as(anonymous.send(ORG_SETTINGS, "rename", {"form": {"name": "Pwned"}}, path=path), "sign in")
    assert org_snapshot(app, alpha["id"]) == before

    # The Admin's identical events work: the Member's were well formed and reached the handlers.
    assert toasts(admin.send(ORG_SETTINGS, "rename", {"form": {"name": f"{alpha['name']} renamed"}}, path=path),
                  "success")
    assert app.one("SELECT name FROM organizations WHERE id = ?", alpha["id"]) == f"{alpha['name']} renamed"
    assert toasts(admin.send(ORG_SETTINGS, "change_role",
                             {"membership_id": membership["member"], "role": "admin"}, path=path), "success")
    assert app.one("SELECT role FROM memberships WHERE id = ?", membership["member"]) == "admin"
