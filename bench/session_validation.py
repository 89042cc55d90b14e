"""Session validation per event: `resonance.orgs.principal.from_cookie(token)`, the cookie → session row → user →
membership lookup every signed-in event does. Goal: ≤ 1 ms.

    source scripts/env.sh && python bench/session_validation.py [--calls 5000] [--postgres] [--profile] [--experiments]

Builds a throwaway SQLite database (and, with --postgres, a throwaway PostgreSQL database at 127.0.0.1:5432, user
postgres, trust auth, owned by postgres while the app connects as the role resonance_bench_app, so row-level security
applies as in production) through the Alembic migrations, seeds it by direct inserts (no argon2), and times, warm:

- read:  a live session seen in the last minute (the common case: no last-seen write), tokens drawn at random;
- touch: a live session last seen over SESSION_TOUCH_SECONDS ago (the once-a-minute last-seen write and commit);
- miss:  an unknown cookie token.

Prints figures, not pass/fail; exits 0.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import _postgres  # noqa: E402


def run(label: str, database_url: str, args) -> None:
    # Settings, engine and hasher are cached per process: each backend runs in its own child process.
    _common.isolate(f"session-{label}", database_url=database_url)
    _common.migrate()  # as the owner (RESONANCE_MIGRATION_DATABASE_URL) on PostgreSQL, granting the app role
    owner_url = os.environ.get("RESONANCE_MIGRATION_DATABASE_URL", "")
    with as_owner(owner_url):  # bulk inserts into tenant tables need no row-level security settings
        tokens = _common.seed(users=args.users, orgs=args.orgs, sessions=args.sessions,
                              progress=lambda m: print(m, flush=True))

    def settle() -> None:
        with as_owner(owner_url):  # VACUUM needs the owner
            _common.analyze()

    settle()

    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from resonance.core import security
    from resonance.core.db import get_engine
    from resonance.identity.models import AuthSession
    from resonance.orgs.principal import from_cookie

    rng = random.Random(7)
    engine = get_engine()

    # Warm: connections, statement caches, the settings and secret key.
    for token in rng.sample(tokens, min(500, len(tokens))):
        assert from_cookie(token) is not None

    # read: tokens all touched just now, so no call writes.
    read_pool = rng.sample(tokens, min(args.calls, len(tokens)))
    with engine.begin() as conn:
        conn.execute(update(AuthSession).values(last_seen_at=datetime.now(UTC)))
    settle()
    samples = []
    found = 0
    for i in range(args.calls):
        token = read_pool[i % len(read_pool)]
        t0 = time.perf_counter()
        p = from_cookie(token)
        samples.append(time.perf_counter() - t0)
        found += p is not None and p.org_id is not None
    print(_common.summary(f"  {label} read  (no write)       ", samples, goal=1.0))
    if found != args.calls:
        print(f"  !! {args.calls - found} of {args.calls} read validations found no principal with an organization")

    # touch: every token last seen 2 minutes ago, so each first call writes last_seen_at and commits.
    touch_n = min(args.calls // 5, len(tokens))
    touch_pool = rng.sample(tokens, touch_n)
    with engine.begin() as conn:
        conn.execute(update(AuthSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=2)))
    settle()
    samples = []
    for token in touch_pool:
        t0 = time.perf_counter()
        from_cookie(token)
        samples.append(time.perf_counter() - t0)
    print(_common.summary(f"  {label} touch (last-seen write)", samples, goal=1.0))

    # miss: unknown tokens.
    samples = []
    for _ in range(args.calls // 5):
        token = security.new_token()
        t0 = time.perf_counter()
        from_cookie(token)
        samples.append(time.perf_counter() - t0)
    print(_common.summary(f"  {label} miss  (unknown cookie)  ", samples, goal=1.0))

    # Where the read path spends its time, in ms per call (same tokens, no writes).
    with engine.begin() as conn:
        conn.execute(update(AuthSession).values(last_seen_at=datetime.now(UTC)))
    settle()
    n = min(2000, args.calls)
    t0 = time.perf_counter()
    for i in range(n):
        security.digest(read_pool[i % len(read_pool)])
    digest_ms = (time.perf_counter() - t0) / n * 1e3
    from sqlalchemy import text

    t0 = time.perf_counter()
    for _ in range(n):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
    roundtrip_ms = (time.perf_counter() - t0) / n * 1e3
    print(f"  {label} parts: keyed digest {digest_ms:.4f} ms; pool checkout + SELECT 1 + return {roundtrip_ms:.4f} ms")

    if args.experiments:
        experiments(label, database_url, read_pool, n)

    if args.profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("  (--profile needs pyinstrument: pip install pyinstrument)")
            return
        profiler = Profiler(interval=0.0001)
        profiler.start()
        for i in range(n):
            from_cookie(read_pool[i % len(read_pool)])
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def as_owner(owner_url: str):
    """Run the block with the app's engine connected as the tables' owner (PostgreSQL), then as the app role again."""
    from contextlib import contextmanager

    @contextmanager
    def block():
        if not owner_url:
            yield
            return
        import logging

        app_url = os.environ["RESONANCE_DATABASE_URL"]
        _switch(owner_url)
        quiet = logging.getLogger("resonance.db")
        quiet.disabled = True  # the owner bypasses row-level security, as it should here
        try:
            yield
        finally:
            quiet.disabled = False
            _switch(app_url)

    return block()


def _switch(url: str) -> None:
    from resonance.core.config import get_settings
    from resonance.core.db import dispose_engines

    dispose_engines()
    get_settings.cache_clear()
    os.environ["RESONANCE_DATABASE_URL"] = url


def experiments(label: str, database_url: str, read_pool: list[str], n: int) -> None:
    """Prototypes of the suggested app changes, measured on the same data (not app code)."""
    from contextlib import contextmanager
    from datetime import timedelta

    from sqlalchemy import and_, update
    from sqlmodel import Session, create_engine, select

    from resonance.core import security
    from resonance.core.clock import clock
    from resonance.core.config import get_settings
    from resonance.core.db import get_engine
    from resonance.identity.models import AuthSession, User
    from resonance.orgs import principal as principals
    from resonance.orgs.models import Membership, Organization
    from resonance.orgs.scope import UNSCOPED_KEY

    def one_query_columns(session: Session, token: str):
        """The same single statement, selecting only the columns needed (no ORM entities to build)."""
        row = session.exec(
            select(AuthSession.id, AuthSession.revoked_at, AuthSession.last_seen_at, AuthSession.active_org_id,
                   User.id, User.email, User.name, Membership.role, Organization.name)
            .join(User, User.id == AuthSession.user_id)
            .outerjoin(Membership, and_(Membership.org_id == AuthSession.active_org_id,
                                        Membership.user_id == AuthSession.user_id))
            .outerjoin(Organization, Organization.id == Membership.org_id)
            .where(AuthSession.token_hash == security.digest(token))
        ).first()
        if row is None:
            return None
        sid, revoked_at, last_seen_at, active_org_id, uid, email, name, role, org_name = row
        if revoked_at is not None:
            return None
        s, now = get_settings(), clock.now()
        if last_seen_at + timedelta(days=s.SESSION_IDLE_DAYS) <= now:
            return None
        if (now - last_seen_at).total_seconds() >= s.SESSION_TOUCH_SECONDS:
            session.exec(update(AuthSession).where(AuthSession.id == sid).values(last_seen_at=now))
        return principals.Principal(uid, email, name, sid, active_org_id if role else None, org_name or "", role)

    @contextmanager
    def scope(engine):
        with Session(engine, expire_on_commit=False) as session:
            session.info[UNSCOPED_KEY] = True
            yield session
            session.commit()

    database_url = get_settings().DATABASE_URL  # with its driver named
    engines = [("app engine", get_engine())]
    if not database_url.startswith("sqlite"):
        from resonance.core.db import configure_postgres

        url2 = database_url.replace("postgresql+psycopg://", "postgresql+psycopg2://")
        # psycopg2 (no prepared statements): with the row-level security settings riding on the first statement,
        # and as the engine first was (pool_pre_ping, a SELECT 1 per checkout; the settings in a round trip alone).
        engines.append(("psycopg2, scope folded", configure_postgres(create_engine(url2, pool_size=10,
                                                                                   max_overflow=20))))
        engines.append(("psycopg2, pool_pre_ping + scope apart", create_engine(url2, pool_pre_ping=True,
                                                                               pool_size=10, max_overflow=20)))
    variants = [(f"{engine_label}, {fn_label}", engine, fn)
                for engine_label, engine in engines
                for fn_label, fn in [("app resolve", lambda s, t: principals.resolve(session=s, token=t)),
                                     ("1 query, columns only", one_query_columns)]]
    # Interleaved call by call, in a fresh order each round, so load from other processes hits every variant alike.
    samples: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    order = random.Random(11)
    for i in range(200 + n):
        token = read_pool[i % len(read_pool)]
        for name, engine, fn in order.sample(variants, len(variants)):
            t0 = time.perf_counter()
            with scope(engine) as session:
                p = fn(session, token)
            if i >= 200:
                samples[name].append(time.perf_counter() - t0)
            assert p is not None and p.org_id is not None
    for name, values in samples.items():
        print(_common.summary(f"  {label} read, {name}", values, goal=1.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000, help="validations per measurement (default 5000)")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--orgs", type=int, default=1_000)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--postgres", action="store_true", help="also measure against PostgreSQL")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the read path")
    parser.add_argument("--experiments", action="store_true",
                        help="also time variants on the same data: psycopg2 with and without pool_pre_ping and "
                             "the scope in a round trip of its own, a columns-only query")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)  # child process
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.only:
        run(args.only, args.url, args)
        return 0

    print("Session validation per event: resonance.orgs.principal.from_cookie (goal ≤ 1 ms)")
    print(_common.machine())
    print(f"population: {args.users:,} users, {args.orgs:,} organizations, {args.sessions:,} sessions; "
          f"{args.calls:,} calls per measurement, warm, single thread")
    child = [sys.executable, __file__, "--calls", str(args.calls), "--users", str(args.users), "--orgs",
             str(args.orgs), "--sessions", str(args.sessions)] + (["--profile"] if args.profile else []) + (["--experiments"] if args.experiments else [])
    print("SQLite (file in a temp data folder, WAL):", flush=True)
    subprocess.run([*child, "--only", "sqlite"], check=False)
    if args.postgres:
        try:
            owner_url, app_url, drop = _postgres.throwaway_database(args.pg_host, args.pg_port, args.pg_user, "session")
        except Exception as error:  # noqa: BLE001 (a bench reports, it does not fail)
            print(f"PostgreSQL: skipped ({type(error).__name__}: {error})")
            return 0
        try:
            print(f"PostgreSQL ({args.pg_host}:{args.pg_port}, throwaway database, app role {_postgres.APP_ROLE} "
                  "under row-level security):", flush=True)
            subprocess.run([*child, "--only", "postgres", "--url", app_url], check=False,
                           env={**os.environ, "RESONANCE_MIGRATION_DATABASE_URL": owner_url})
        finally:
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
