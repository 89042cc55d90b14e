"""Shared helpers for the bench scripts: machine line, timing statistics, a throwaway environment, seeding.

Every script calls `isolate()` before importing anything from `resonance`, because settings are read once per
process (`get_settings()` is cached): the data folder, database URL and secret key must be in the environment first.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    """CPU count and model (from /proc/cpuinfo), Python version, OS."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    try:
        load = "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "load average unknown"
    return (f"machine: {usable} CPUs ({cpus} online), {model}; Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}; {load} at start")


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summary(label: str, samples_s: list[float], *, unit: str = "ms", goal: float | None = None) -> str:
    """One line: n, mean, p50, p95, p99, max (seconds in, `unit` out), and whether p95 meets `goal`."""
    scale = {"ms": 1e3, "s": 1.0, "us": 1e6}[unit]
    values = sorted(v * scale for v in samples_s)
    line = (f"{label}: n={len(values)} mean={statistics.fmean(values):.3f} p50={percentile(values, 50):.3f} "
            f"p95={percentile(values, 95):.3f} p99={percentile(values, 99):.3f} max={values[-1]:.3f} {unit}")
    if goal is not None:
        line += f"  [goal ≤ {goal:g} {unit}: {'met' if percentile(values, 95) <= goal else 'NOT met'} at p95]"
    return line


def isolate(prefix: str, *, database_url: str = "", keep: bool = False) -> Path:
    """A temp data folder and settings for this process only (never the dev server's data/ or .web/)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"resonance-bench-{prefix}-"))
    os.environ["RESONANCE_DATA_DIR"] = str(data_dir)
    os.environ["RESONANCE_SECRET_KEY"] = secrets.token_urlsafe(48)
    if database_url:
        os.environ["RESONANCE_DATABASE_URL"] = database_url
    else:
        os.environ.pop("RESONANCE_DATABASE_URL", None)
    if not keep:
        import atexit

        atexit.register(shutil.rmtree, data_dir, True)
    return data_dir


def migrate() -> None:
    """Apply the Alembic migrations to the configured database (what `reflex db migrate` does)."""
    import logging

    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(config, "head")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def seed(*, users: int, orgs: int, sessions: int, memberships_per_user: int = 2, batch: int = 5000,
         progress=print) -> list[str]:
    """A realistic population by direct inserts (no argon2): returns the cookie tokens of live, claimed sessions.

    Every user belongs to `memberships_per_user` organizations (the first as admin when the user created it);
    sessions are spread over users: 80 % live and claimed with an active organization, 10 % revoked,
    5 % unclaimed hand-offs, 5 % idle-expired.
    """
    from sqlalchemy import insert
    from sqlmodel import SQLModel

    import resonance.models  # noqa: F401
    from resonance.core import security
    from resonance.core.db import get_engine

    rng = secrets.SystemRandom()
    now = datetime.now(UTC)
    tables = SQLModel.metadata.tables
    engine = get_engine()
    fake_hash = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$" + "A" * 43  # never verified here

    def hexid(prefix: str, i: int) -> str:
        return f"{prefix}_{i:06x}{secrets.token_hex(10)}"

    user_ids = [hexid("usr", i) for i in range(users)]
    org_ids = [hexid("org", i) for i in range(orgs)]
    member_of: dict[str, list[str]] = {}
    with engine.begin() as conn:
        rows = [dict(id=u, email=f"user{i}@bench.example", name=f"Bench User {i}", password_hash=fake_hash,
                     email_verified_at=now, failed_signins=0, created_at=now, updated_at=now)
                for i, u in enumerate(user_ids)]
        for i in range(0, len(rows), batch):
            conn.execute(insert(tables["users"]), rows[i:i + batch])
        rows = [dict(id=o, name=f"Bench Org {i}", slug=f"bench-org-{i}", created_by=user_ids[i % users],
                     created_at=now, updated_at=now) for i, o in enumerate(org_ids)]
        conn.execute(insert(tables["organizations"]), rows)
        rows = []
        for i, u in enumerate(user_ids):
            chosen = {org_ids[i % orgs]}
            while len(chosen) < min(memberships_per_user, orgs):
                chosen.add(rng.choice(org_ids))
            member_of[u] = sorted(chosen)
            for o in chosen:
                role = "admin" if o == org_ids[i % orgs] and i < orgs else "member"
                rows.append(dict(id=hexid("mem", len(rows)), org_id=o, user_id=u, role=role, created_at=now))
        for i in range(0, len(rows), batch):
            conn.execute(insert(tables["memberships"]), rows[i:i + batch])
        progress(f"  seeded {users:,} users, {orgs:,} organizations, {len(rows):,} memberships")

        live_tokens: list[str] = []
        rows = []
        for i in range(sessions):
            u = user_ids[i % users]
            kind = rng.random()
            row = dict(id=hexid("ses", i), user_id=u, token_hash=None, handoff_hash=None,
                       active_org_id=rng.choice(member_of[u]), ip="203.0.113.7",
                       user_agent="Mozilla/5.0 (X11; Linux x86_64) bench", created_at=now - timedelta(days=1),
                       last_seen_at=now - timedelta(seconds=rng.randint(0, 3600)), revoked_at=None)
            token = secrets.token_urlsafe(32)
            if kind < 0.05:  # unclaimed hand-off
                row["handoff_hash"] = security.digest(token)
            else:
                row["token_hash"] = security.digest(token)
                if kind < 0.15:
                    row["revoked_at"] = now - timedelta(hours=1)
                elif kind < 0.20:
                    row["last_seen_at"] = now - timedelta(days=30)
                else:
                    live_tokens.append(token)
            rows.append(row)
            if len(rows) >= batch:
                conn.execute(insert(tables["auth_sessions"]), rows)
                rows = []
        if rows:
            conn.execute(insert(tables["auth_sessions"]), rows)
    progress(f"  seeded {sessions:,} sessions ({len(live_tokens):,} live and claimed)")
    return live_tokens


def analyze() -> None:
    """Refresh planner statistics and settle bulk writes (VACUUM ANALYZE on PostgreSQL, ANALYZE + checkpoint on
    SQLite), so a bulk seed or reset does not bleed into the timings."""
    from sqlalchemy import text

    from resonance.core.db import get_engine

    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
