"""Event round trip through the real websocket: a signed-in page action, sent → its state delta received.

    source scripts/env.sh && python bench/event_roundtrip.py [--users 1 50 200] [--events 100] [--think-ms 1000]

Starts its own Resonance in Reflex's production mode on one free port (`reflex db migrate`, then
`reflex run --env prod --single-port`) with a throwaway data folder, database, web build and states folder: never the
dev server's data/ or .web/. It creates verified users, one organization each, and claimed sessions (the cookie
tokens) directly in that database, then runs Socket.IO clients (python-socketio's AsyncClient; it needs aiohttp) that
connect like the browser does: `/_event?token=<tab token>`, the session cookie in the handshake's Cookie header, the
app URL as Origin, and the hydrate event in the CONNECT packet. Every client waits until the page's on_load guard
has signed it in (AuthState.org_id arrives), then repeats, `--events` times:

- text: `HomeState.set_text(value)` (the dashboard's quick input, debounced 150 ms in the page), timed until the delta
  carrying that value arrives. The handler does not look at the session.
- load: `ShellState.load` (cookie → principal → the switcher's organizations) immediately followed by
  `HomeState.set_text(value)`, timed until that value's delta arrives: one session-validating handler plus one
  cheap one, in order (a client's events run one after another). `load` itself sends no delta when nothing changed.

With several `--users`, clients act concurrently, each waiting a random 0.5–1.5 × `--think-ms` between actions
(0: back to back, a saturation test). Clients and server share this machine's CPUs. Prints p50/p95/p99 per round
and event kind, the offered and achieved event rate, and the server's CPU use (per action too); exits 0.

Server configurations: the app's default (production without Redis: Reflex's memory state manager, one backend
process); `--state-manager disk|memory` overrides it; `--state-manager redis --workers N` runs N granian backend
workers sharing state through Redis (`--redis-url`, default a database of the bench's own, emptied first), the
scale-out configuration; `--postgres` uses a throwaway PostgreSQL database (127.0.0.1:5432 as postgres, trust auth)
with the app connected as a role under row-level security, as production runs it. Each round prints the load average before and after it: other people's work on this
machine moves the figures, so compare rounds measured at similar load, or pass `--nice -10` (the server's and
the bench's sessions get the CPU share of nice -10; a plain `nice` does not help, as Linux shares the CPU between
sessions first).

Options for finding causes:
`--sign-in-every S` (another tab signs in through `SignInState.submit` every S s: argon2 on the event loop),
`--profile` (py-spy samples of the server while a round runs, grouped by cause), `--dump FILE` (every action as CSV).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from tests.servers import free_port  # noqa: E402

GOAL_MS = 50.0  # issue 7: p95 ≤ 50 ms at 200 concurrent signed-in users
NAMESPACE = "/_event"  # Reflex's Socket.IO namespace is the event URL's path, like its engine path


def seed_users(n: int) -> list[str]:
    """n verified users, each admin of its own organization, each with one claimed session; their cookie tokens."""
    import inspect

    from resonance.core.clock import clock
    from resonance.identity import sessions
    from resonance.identity.models import AuthSession, User
    from resonance.orgs.models import Membership, Organization, Role
    from resonance.orgs.scope import system_session

    start_takes_org = "active_org_id" in inspect.signature(sessions.start).parameters
    tokens = []
    run = uuid.uuid4().hex[:6]
    with system_session() as session:
        for i in range(n):
            user = User(email=f"rt{i}-{run}@bench.example", name=f"Round Trip {i}", email_verified_at=clock.now())
            org = Organization(name=f"Bench Org {i}", slug=f"bench-{run}-{i}", created_by=user.id)
            session.add(user)
            session.add(org)
            session.flush()
            session.add(Membership(org_id=org.id, user_id=user.id, role=Role.ADMIN))
            kwargs = {"active_org_id": org.id} if start_takes_org else {}
            ticket = sessions.start(session=session, user=user, ip="127.0.0.1", user_agent="bench", **kwargs)
            claimed = sessions.claim(session=session, ticket=ticket)
            row = session.get(AuthSession, claimed.auth_session.id)
            row.active_org_id = org.id
            session.add(row)
            tokens.append(claimed.cookie_token)
    return tokens


def state_names() -> dict[str, str]:
    from resonance.ui.states.auth import AuthState
    from resonance.ui.states.home import HomeState
    from resonance.ui.states.shell import ShellState
    from resonance.ui.states.sign_in import SignInState

    return {"auth": AuthState.get_full_name(), "home": HomeState.get_full_name(), "shell": ShellState.get_full_name(),
            "sign_in": SignInState.get_full_name(), "root": AuthState.get_parent_state().get_full_name()}


SIGN_IN_EMAIL, SIGN_IN_PASSWORD = "signin-bench@bench.example", "correct horse battery staple 42"


def seed_sign_in_user() -> None:
    """A verified user with a real argon2id hash (the app's configured parameters), for --sign-in-every."""
    from resonance.core import security
    from resonance.core.clock import clock
    from resonance.identity.models import User
    from resonance.orgs.scope import system_session

    with system_session() as session:
        session.add(User(email=SIGN_IN_EMAIL, name="Sign In Bench", email_verified_at=clock.now(),
                         password_hash=security.hash_password(SIGN_IN_PASSWORD)))


async def sign_in_loop(url: str, names: dict[str, str], every_s: float, stop: asyncio.Event,
                       samples: list[float]) -> None:
    """A signed-out tab on /sign-in submitting the form every `every_s` seconds; times submit → first update."""
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    updates: asyncio.Queue = asyncio.Queue()
    sio.on("event", lambda update: updates.put_nowait(time.perf_counter()), namespace=NAMESPACE)
    router = {"pathname": "/sign-in", "asPath": "/sign-in"}
    boot = {"name": f"{names['root']}.hydrate_and_load", "payload": {}, "router_data": router}
    await sio.connect(f"{url}?token={uuid.uuid4()}", headers={"Origin": url}, transports=["websocket"],
                      socketio_path="/_event", namespaces=[NAMESPACE], auth={"event": boot}, wait_timeout=30)
    await asyncio.sleep(1)
    while not stop.is_set():
        while not updates.empty():
            updates.get_nowait()
        t0 = time.perf_counter()
        await sio.emit("event", {"name": f"{names['sign_in']}.submit", "router_data": router,
                                 "payload": {"form": {"email": SIGN_IN_EMAIL, "password": SIGN_IN_PASSWORD}}},
                       namespace=NAMESPACE)
        try:
            samples.append(await asyncio.wait_for(updates.get(), 30) - t0)
        except TimeoutError:
            pass
        try:
            await asyncio.wait_for(stop.wait(), every_s)
        except TimeoutError:
            pass
    await sio.disconnect()


class Client:
    """One signed-in browser tab."""

    def __init__(self, index: int, url: str, cookie: str, names: dict[str, str]):
        import socketio

        self.index, self.url, self.cookie, self.names = index, url, cookie, names
        self.sio = socketio.AsyncClient(reconnection=False)
        self.signed_in = asyncio.get_running_loop().create_future()
        self.waiting: tuple[str, asyncio.Future] | None = None
        self.samples: dict[str, list[float]] = {"text": [], "load": []}
        self.trace: list[tuple[float, str, float]] = []  # (sent at, kind, round trip) for --dump
        self.errors = 0
        self.sio.on("event", self._on_update, namespace=NAMESPACE)

    def _on_update(self, update):
        delta = (update or {}).get("delta") or {}
        auth = delta.get(self.names["auth"]) or {}
        if auth.get("org_id_rx_state_") and not self.signed_in.done():
            self.signed_in.set_result(auth["org_id_rx_state_"])
        home = delta.get(self.names["home"]) or {}
        if self.waiting and home.get("text_rx_state_") == self.waiting[0] and not self.waiting[1].done():
            self.waiting[1].set_result(time.perf_counter())

    def _event(self, state: str, handler: str, payload: dict | None = None) -> dict:
        return {"name": f"{self.names[state]}.{handler}", "payload": payload or {},
                "router_data": {"pathname": "/", "asPath": "/"}}

    async def connect(self, timeout: float) -> bool:
        boot = {"name": f"{self.names['root']}.hydrate_and_load", "payload": {},
                "router_data": {"pathname": "/", "asPath": "/"}}
        await self.sio.connect(
            f"{self.url}?token={uuid.uuid4()}",
            headers={"Cookie": f"{self.cookie}", "Origin": self.url},
            transports=["websocket"], socketio_path="/_event", namespaces=[NAMESPACE], auth={"event": boot},
            wait_timeout=timeout,
        )
        try:
            await asyncio.wait_for(asyncio.shield(self.signed_in), timeout)
            return True
        except TimeoutError:
            return False

    async def act(self, kind: str, i: int, timeout: float) -> None:
        value = f"bench {self.index} {i} {kind}"
        future = asyncio.get_running_loop().create_future()
        self.waiting = (value, future)
        t0 = time.perf_counter()
        if kind == "load":
            await self.sio.emit("event", self._event("shell", "load"), namespace=NAMESPACE)
        await self.sio.emit("event", self._event("home", "set_text", {"value": value}), namespace=NAMESPACE)
        try:
            t1 = await asyncio.wait_for(future, timeout)
            self.samples[kind].append(t1 - t0)
            self.trace.append((t0, kind, t1 - t0))
        except TimeoutError:
            self.errors += 1

    async def close(self) -> None:
        try:
            await self.sio.disconnect()
        except Exception:  # noqa: BLE001
            pass


def load_average() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        stats[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, 0.0)
        todo.extend(children.get(p, []))
    return total


async def run_round(url: str, cookies: list[str], names: dict[str, str], args, server_pid: int) -> None:
    n = len(cookies)
    kinds = ["text", "load"] if args.event == "both" else [args.event]
    clients = [Client(i, url, cookies[i], names) for i in range(n)]
    t_connect = time.perf_counter()
    ok = []
    for start in range(0, n, 20):  # connect (and hydrate) in waves, as tabs opening over a moment
        batch = clients[start:start + 20]
        results = await asyncio.gather(*(c.connect(args.timeout) for c in batch), return_exceptions=True)
        ok.extend(r is True for r in results)
        for r in results:
            if isinstance(r, Exception):
                print(f"    connect failed: {type(r).__name__}: {r}")
    connected = sum(ok)
    print(f"  {n} user(s): {connected} signed in over the websocket in {time.perf_counter() - t_connect:.1f} s; "
          f"{load_average()}")
    live = [c for c, good in zip(clients, ok) if good]
    if not live:
        print("    no client signed in; see the server log")
        for c in clients:
            await c.close()
        return

    async def user_loop(c: Client) -> None:
        rng = random.Random(c.index)
        if args.think_ms:
            await asyncio.sleep(rng.uniform(0, args.think_ms / 1000))  # spread the first actions
        for i in range(args.events):
            await c.act(kinds[i % len(kinds)], i, args.timeout)
            if args.think_ms:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think_ms / 1000)

    for c in live:  # one warm-up action each, untimed
        await c.act("text", -1, args.timeout)
        c.samples, c.trace = {"text": [], "load": []}, []
    spy = start_profiler(server_pid, args) if args.profile else None
    stop, sign_ins = asyncio.Event(), []
    signing = (asyncio.create_task(sign_in_loop(url, names, args.sign_in_every, stop, sign_ins))
               if args.sign_in_every else None)
    cpu0, own0, t0 = cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(user_loop(c) for c in live))
    wall = time.perf_counter() - t0
    if signing is not None:
        stop.set()
        await signing
    server_cpu, client_cpu = cpu_seconds(server_pid) - cpu0, time.process_time() - own0
    total = sum(len(s) for c in live for s in c.samples.values())
    errors = sum(c.errors for c in live)
    offered = (f"offered ~{len(live) / (args.think_ms / 1000):.0f} actions/s" if args.think_ms
               else "closed loop, no think time")
    print(f"    {total} actions in {wall:.1f} s = {total / wall:.0f} actions/s ({offered}); timeouts: {errors}; "
          f"server CPU {server_cpu / wall * 100:.0f} %, bench client CPU {client_cpu / wall * 100:.0f} % "
          f"(of one core; {os.cpu_count()} cores); server CPU per action {server_cpu / max(total, 1) * 1e3:.2f} ms; "
          f"after the round: {load_average()}")
    for kind in kinds:
        samples = [v for c in live for v in c.samples[kind]]
        if samples:
            label = {"text": "text (set_text)        ", "load": "load (ShellState.load + set_text)"}[kind]
            print(_common.summary(f"    {label}", samples, goal=GOAL_MS if len(live) >= 200 else None))
    if args.dump:
        path = Path(args.dump).with_suffix(f".{n}users.csv")
        rows = sorted((t - t0, c.index, kind, rt) for c in live for t, kind, rt in c.trace)
        path.write_text("sent_s,client,kind,round_trip_ms\n"
                        + "".join(f"{t:.4f},{i},{k},{rt * 1e3:.3f}\n" for t, i, k, rt in rows))
        slow = [t for t, _, _, rt in rows if rt > GOAL_MS / 1e3]
        seconds_with_slow = len({int(t) for t in slow})
        print(f"    {len(slow)} actions over {GOAL_MS:g} ms, in {seconds_with_slow} of {int(wall) + 1} one-second windows; "
              f"trace in {path}")
    if sign_ins:
        print(_common.summary(f"    sign-in (SignInState.submit, every {args.sign_in_every:g} s, beside them)", sign_ins))
    for c in clients:
        await c.close()
    if spy is not None:
        print_profile(spy, n)


def prioritize(pids: list[int], nice: int) -> str:
    """Give the server's and the bench's sessions the CPU share of `nice` (negative: more; needs root).

    Linux groups the processes of each session (autogroup scheduling) and shares the CPU fairly between groups, so a
    process's own nice value only matters inside its session: with other people's work running in N other sessions
    the server gets about 1/(N+1) of the machine whatever its nice value. The group's nice is what counts."""
    done = []
    for pid in pids:
        try:
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))
            done.append(f"session of {pid}: {Path(f'/proc/{pid}/autogroup').read_text().strip()}")
        except OSError as error:
            done.append(f"session of {pid}: unchanged ({error.strerror})")
    return "; ".join(done)


def start_profiler(server_pid: int, args) -> tuple[subprocess.Popen, Path, float] | None:
    """py-spy sampling the whole server process tree while the round runs (needs py-spy and ptrace rights)."""
    import shutil

    if not shutil.which("py-spy"):
        print("    (--profile needs py-spy: pip install py-spy)")
        return None
    out = Path(os.environ["RESONANCE_DATA_DIR"]) / f"profile-{time.time_ns()}.txt"
    proc = subprocess.Popen(["py-spy", "record", "--pid", str(server_pid), "--subprocesses", "--rate", "250",
                             "--format", "raw", *(["--idle"] if args.profile_wall else ["--gil"]), "--nonblocking",
                             "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    return proc, out, time.monotonic()


# Where a sample goes: the first rule whose marker appears anywhere in its stack.
PROFILE_GROUPS = [
    ("ShellState.load", "app: ShellState.load (session validation + switcher query)"),
    ("from_cookie", "app: other session validation (from_cookie)"),
    ("HomeState.set_text", "app: HomeState.set_text"),
    ("_purge_expired_states", "Reflex disk state manager: purge scan of the states folder"),
    ("set_state_for_substate", "Reflex disk state manager: pickling and writing states"),
    ("StateManagerDisk", "Reflex disk state manager: other"),
    ("get_delta", "Reflex: delta"),
    ("emit_update", "Reflex: emit (JSON, Socket.IO)"),
    ("on_event (reflex", "Reflex: receive and parse event"),
    ("_execute_event", "Reflex: event processing, other"),
    ("_process_event_queue_entry", "Reflex: event queue, other"),
    ("engineio", "Engine.IO / Socket.IO transport"),
    ("socketio", "Engine.IO / Socket.IO transport"),
    ("starlette", "ASGI server glue (starlette, granian)"),
    ("granian", "ASGI server glue (starlette, granian)"),
]


def print_profile(spy: tuple[subprocess.Popen, Path, float], n: int, top: int = 20) -> None:
    """Inclusive and self share of samples per function, from py-spy's collapsed stacks."""
    proc, out, started = spy
    seconds = time.monotonic() - started
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if not out.exists():
        print(f"    profile: py-spy wrote nothing ({(err or '').strip()[-300:]})")
        return
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    groups: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        group = next((name for marker, name in PROFILE_GROUPS if marker in stack), "other")
        groups[group] = groups.get(group, 0) + int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        count_i = int(count)
        total += count_i
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count_i
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + count_i
    if not total:
        print("    profile: no samples")
        return
    root = str(_common.ROOT) + "/"

    def short(frame: str) -> str:
        return frame.replace(root, "").replace(str(Path(sys.prefix)) + "/lib/python3.11/site-packages/", "")

    print(f"    profile of the server during the {n}-user round (py-spy --gil: {total} samples of the thread holding "
          f"the GIL at 250 Hz, i.e. Python CPU; the GIL was held ~{total / 250 / seconds * 100:.0f} % of the "
          f"{seconds:.0f} s; raw stacks in {out}):")
    print("      share %  where (grouped)")
    for name, count in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"      {count / total * 100:7.1f}  {name}")
    print("      inclusive %  function  (frames in more than half the samples, the server and loop plumbing, left out)")
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if count / total > 0.5:
            continue
        print(f"      {count / total * 100:9.1f}  {short(frame)[:150]}")
        top -= 1
        if not top:
            break
    print("      self %       function")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:10]:
        print(f"      {count / total * 100:9.1f}  {short(frame)[:150]}")


def start_server(env: dict, port: int, log_path: Path, timeout: float) -> subprocess.Popen:
    import urllib.request

    log = open(log_path, "w")
    cmd = ["reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(port), "--backend-port",
           str(port), "--loglevel", "warning"]
    proc = subprocess.Popen(cmd, cwd=_common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"reflex run exited with {proc.returncode}; log: {log_path}")
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/ping", timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer on :{port} within {timeout:.0f} s; log: {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # its own process group (start_new_session): only what it started
        proc.wait(15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[1],
                        help="concurrent signed-in clients; several values run one round each (default 1)")
    parser.add_argument("--events", type=int, default=100, help="timed actions per client (default 100)")
    parser.add_argument("--think-ms", type=float, default=1000,
                        help="mean pause between a client's actions, jittered 0.5-1.5x (default 1000; 0: none)")
    parser.add_argument("--event", choices=["text", "load", "both"], default="both",
                        help="which action to time (default both, alternating)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for one delta (default 30)")
    parser.add_argument("--port", type=int, default=0, help="port for the app (default: a free one)")
    parser.add_argument("--build-timeout", type=float, default=900, help="seconds to wait for build and start")
    parser.add_argument("--state-manager", choices=["disk", "memory", "redis"], default="",
                        help="override Reflex's state_manager_mode for the server (default: the app's config)")
    parser.add_argument("--workers", type=int, default=1,
                        help="granian backend workers (more than 1 needs --state-manager redis; default 1)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="Redis for --state-manager redis; the bench empties this database first")
    parser.add_argument("--sign-in-every", type=float, default=0, metavar="SECONDS",
                        help="meanwhile, one more tab signs in through SignInState.submit every SECONDS (default off; "
                             "the per-IP limit allows 5 per 10 s)")
    parser.add_argument("--dump", default="", metavar="FILE",
                        help="write every action (sent at, client, kind, round trip) to FILE.<n>users.csv")
    parser.add_argument("--profile", action="store_true",
                        help="sample the server with py-spy during each round and print the hottest functions")
    parser.add_argument("--profile-wall", action="store_true",
                        help="with --profile: sample every thread, waiting ones too (where time goes, not CPU)")
    parser.add_argument("--nice", type=int, default=0,
                        help="autogroup nice for the server's and the bench's sessions, e.g. -10 to measure the app "
                             "rather than the neighbours' load (needs root; default 0: as the machine is)")
    parser.add_argument("--postgres", action="store_true",
                        help="a throwaway PostgreSQL database instead of SQLite (the app as a role under row-level "
                             "security, as in production)")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (server log, web build)")
    args = parser.parse_args()

    print("Event round trip over the websocket (Reflex prod mode)")
    print(_common.machine())
    try:
        import socketio  # noqa: F401
        import aiohttp  # noqa: F401
    except ImportError as error:
        print(f"needs python-socketio's asyncio client and aiohttp: pip install aiohttp ({error})")
        return 0

    port = args.port or free_port()
    url = f"http://localhost:{port}"
    database_url = ""
    if args.postgres:
        import atexit

        import _postgres

        owner_url, database_url, drop = _postgres.throwaway_database(args.pg_host, args.pg_port, args.pg_user,
                                                                     "roundtrip")
        atexit.register(drop)
        os.environ["RESONANCE_MIGRATION_DATABASE_URL"] = owner_url  # migrations as the owner, the app as its role
    data_dir = _common.isolate("roundtrip", database_url=database_url, keep=args.keep)
    os.environ.update({
        "RESONANCE_ENV": "production", "RESONANCE_APP_URL": url, "RESONANCE_API_URL": url,
        "REFLEX_WEB_WORKDIR": str(data_dir / "web"), "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "REFLEX_TELEMETRY_ENABLED": "False", "REFLEX_CHECK_LATEST_VERSION": "False",
    })
    if args.workers > 1 and args.state_manager != "redis":
        print("--workers above 1 needs --state-manager redis (workers must share page state)")
        return 0
    os.environ["GRANIAN_WORKERS"] = str(args.workers)
    if args.state_manager == "redis":
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        os.environ["RESONANCE_REDIS_URL"] = args.redis_url
    elif args.state_manager:
        os.environ["REFLEX_STATE_MANAGER_MODE"] = args.state_manager
    env = dict(os.environ)
    print(f"app: {url}; data, web build and log in {data_dir}{' (kept)' if args.keep else ''}")
    migrate = subprocess.run(["reflex", "db", "migrate"], cwd=_common.ROOT, env=env, capture_output=True, text=True)
    if migrate.returncode:
        print(f"reflex db migrate failed ({migrate.returncode}):\n{migrate.stdout[-2000:]}{migrate.stderr[-2000:]}")
        return 0

    from resonance.core.config import get_settings

    cookie_name = get_settings().SESSION_COOKIE_NAME
    cookies = [f"{cookie_name}={token}" for token in seed_users(max(args.users))]
    if args.sign_in_every:
        seed_sign_in_user()
    names = state_names()

    t0 = time.perf_counter()
    log_path = data_dir / "server.log"
    try:
        server = start_server(env, port, log_path, args.build_timeout)
    except RuntimeError as error:
        print(f"server did not start: {error}")
        print(log_path.read_text()[-3000:] if log_path.exists() else "")
        return 0
    if args.nice:
        print(f"priority: {prioritize([server.pid, os.getpid()], args.nice)}")
    print(f"built and started in {time.perf_counter() - t0:.0f} s; "
          f"{args.events} timed actions per client after one warm-up, event kind: {args.event}, "
          f"think time {args.think_ms:g} ms, state manager {args.state_manager or 'app default'}, "
          f"{args.workers} backend worker(s), "
          f"{'PostgreSQL as the row-level-security app role' if args.postgres else 'SQLite'}")
    try:
        for n in args.users:
            asyncio.run(run_round(url, cookies[:n], names, args, server.pid))
    finally:
        stop_server(server)
    tail = [line for line in log_path.read_text().splitlines() if "Error" in line or "Traceback" in line]
    if tail:
        print(f"server log has {len(tail)} error line(s), e.g.: {tail[-1][:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
