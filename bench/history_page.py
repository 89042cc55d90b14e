"""History page: one page of 50 generations, newest first, with 1 M generations across 10 k organizations.
Goal: p95 ≤ 20 ms.

    source scripts/env.sh && nice -n 10 python bench/history_page.py [--rows 1000000] [--orgs 10000] [--pages 500]
        [--only-sqlite | --only-postgres] [--compare]

For each backend it builds a throwaway database through the Alembic migrations (SQLite in a temp folder; PostgreSQL
a database of its own at 127.0.0.1:5432, dropped at the end, the app connecting as a role without BYPASSRLS so the
row-level security policies are part of what is timed). The rows go in with one INSERT … SELECT (generate_series /
a recursive CTE). Organizations are skewed as real ones are: org k gets a share ∝ 1/√k, so the largest has about
10 k generations and the median about 70.

It then times what the History tab does for one page (resonance/ui/states/tts_history.py `_page`): a tenant session,
the cursor row when paging on (`get_generation`), `list_generations(limit=51)`, commit. Rows:

- first / next page of organizations drawn at random (typical sizes);
- first / next page of the 10 largest organizations.

`--compare` also times them without the index (org_id, created_at, id) that migration c7a1b2d3e701 adds, to show
what it buys. Prints figures and the query plan; exits 0.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import _postgres  # noqa: E402

INDEX = "ix_generations_org_created"
GOLDEN = 2654435761  # Knuth's multiplicative hash: a repeatable pseudo-random fraction per row, in SQL on both backends

PG_ORGS = """
INSERT INTO organizations (id, name, slug, created_at, updated_at)
SELECT 'org_' || lpad(k::text, 6, '0'), 'Bench Org ' || k, 'bench-org-' || k, now(), now()
FROM generate_series(0, :orgs - 1) AS k
"""
PG_GENERATIONS = f"""
INSERT INTO generations (id, org_id, voice_id, text, voice_name, object_key, status, progress, chunks_total,
    chunks_done, error, engine, speed, duration_s, started_at, finished_at, temperature, top_p, top_k,
    repetition_penalty, created_by, created_at, updated_at)
SELECT 'gen_' || lpad(i::text, 8, '0'),
       'org_' || lpad(floor(:orgs * power(((i * {GOLDEN}) % 4294967296) / 4294967296.0, 2))::int::text, 6, '0'),
       NULL, left(repeat('The quick brown fox jumps over the lazy dog. ', 8), 40 + i % 300), 'Aurora',
       'generations/audio.wav', 'done', 1, 1, 1, '', 'kokoro', 1, 3.5, ts, ts, 0.8, 0.95, 1000, 1.2, NULL, ts, ts
FROM (SELECT i, now() - make_interval(secs => i * 30) AS ts FROM generate_series(0, :rows - 1) AS i) AS s
"""
SQLITE_ORGS = """
INSERT INTO organizations (id, name, slug, created_at, updated_at)
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < :orgs - 1)
SELECT 'org_' || printf('%06d', n), 'Bench Org ' || n, 'bench-org-' || n, :now, :now FROM k
"""
SQLITE_GENERATIONS = f"""
INSERT INTO generations (id, org_id, voice_id, text, voice_name, object_key, status, progress, chunks_total,
    chunks_done, error, engine, speed, duration_s, started_at, finished_at, temperature, top_p, top_k,
    repetition_penalty, created_by, created_at, updated_at)
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :rows - 1),
     s AS (SELECT i, ((i * {GOLDEN}) % 4294967296) / 4294967296.0 AS u,
                  strftime('%Y-%m-%d %H:%M:%S', :epoch - i * 30, 'unixepoch') || '.000000' AS ts FROM seq)
SELECT 'gen_' || printf('%08d', i), 'org_' || printf('%06d', CAST(:orgs * u * u AS INTEGER)),
       NULL, substr('{'The quick brown fox jumps over the lazy dog. ' * 8}', 1, 40 + i % 300), 'Aurora',
       'generations/audio.wav', 'done', 1, 1, 1, '', 'kokoro', 1, 3.5, ts, ts, 0.8, 0.95, 1000, 1.2, NULL, ts, ts
FROM s
"""


def run(backend: str, args) -> None:
    if backend == "postgres":
        owner_url, app_url, drop = _postgres.throwaway_database(args.pg_host, args.pg_port, args.pg_user, "history")
        import os

        os.environ["RESONANCE_MIGRATION_DATABASE_URL"] = owner_url
    else:
        owner_url = app_url = ""
        drop = None
    try:
        measure(backend, owner_url, app_url, args)
    finally:
        if drop and not args.keep:
            drop()
        elif drop:
            print(f"  kept: {owner_url} (drop it with dropdb)")


def measure(backend: str, owner_url: str, app_url: str, args) -> None:
    data_dir = _common.isolate(f"history-{backend}", database_url=app_url)
    _common.migrate()
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    from resonance.core.config import get_settings
    from resonance.core.db import get_engine
    from resonance.generations import service as generations
    from resonance.orgs.scope import tenant_session

    owner = create_engine(get_settings().MIGRATION_DATABASE_URL or get_settings().DATABASE_URL)
    t0 = time.perf_counter()
    with owner.begin() as conn:
        values = {"rows": args.rows, "orgs": args.orgs, "now": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                  "epoch": int(time.time())}
        if backend == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.execute(text(PG_ORGS if backend == "postgres" else SQLITE_ORGS), values)
        conn.execute(text(PG_GENERATIONS if backend == "postgres" else SQLITE_GENERATIONS), values)
    _analyze(owner, backend)
    with owner.connect() as conn:
        counts = conn.execute(text("SELECT org_id, count(*) FROM generations GROUP BY org_id ORDER BY 2 DESC")).all()
    sizes = sorted(n for _, n in counts)
    print(f"  built {args.rows:,} generations in {len(counts):,} organizations in {time.perf_counter() - t0:.0f} s "
          f"(largest {sizes[-1]:,}, median {sizes[len(sizes) // 2]:,}, smallest {sizes[0]:,} per organization)"
          + (f"; database file {sum(f.stat().st_size for f in data_dir.glob('resonance.db*')) / 2**20:.0f} MiB"
             if backend == "sqlite" else ""), flush=True)

    rng = random.Random(7)
    typical = [rng.choice(counts)[0] for _ in range(args.pages)]
    largest = [org for org, _ in counts[:10]]

    def page(org_id: str, after_id: str | None) -> list:
        # What TTSHistoryState._page does, minus turning rows into display dicts.
        with tenant_session(org_id) as session:
            before = generations.get_generation(session=session, generation_id=after_id) if after_id else None
            return generations.list_generations(session=session, before=before, limit=generations.PAGE_SIZE + 1)

    # The cursor is the last row of the first page, as "Load more" sends it (some organizations have under 50).
    cursors = {org: page(org, None)[:generations.PAGE_SIZE][-1].id for org in set(typical) | set(largest)}
    # Deep in the largest organizations: the cursor 5,000 rows down ("Load more" clicked 100 times).
    with owner.connect() as conn:
        deep = {org: conn.execute(text("SELECT id FROM generations WHERE org_id = :org ORDER BY created_at DESC, id DESC "
                                       "LIMIT 1 OFFSET 4999"), {"org": org}).scalar() for org in largest}
    got = page(largest[0], cursors[largest[0]])
    assert len(got) == generations.PAGE_SIZE + 1 and all(g.org_id == largest[0] for g in got)

    def timings(label: str) -> None:
        rows: dict[str, list[float]] = {"typical, first page": [], "typical, next page ": [],
                                        "largest, first page": [], "largest, next page ": [], "largest, page 101  ": []}
        cpu: dict[str, float] = dict.fromkeys(rows, 0.0)
        for i in range(args.pages):
            for name, org, after in [("typical, first page", typical[i], None),
                                     ("typical, next page ", typical[i], cursors[typical[i]]),
                                     ("largest, first page", largest[i % 10], None),
                                     ("largest, next page ", largest[i % 10], cursors[largest[i % 10]]),
                                     ("largest, page 101  ", largest[i % 10], deep[largest[i % 10]])]:
                t, c = time.perf_counter(), time.process_time()
                page(org, after)
                rows[name].append(time.perf_counter() - t)
                cpu[name] += time.process_time() - c
        for name, samples in rows.items():
            # CPU: this process's own time per page, which other processes' load does not stretch.
            print(_common.summary(f"  {backend} {label} {name}", samples, goal=20.0)
                  + f"  cpu {cpu[name] / len(samples) * 1e3:.2f} ms/page", flush=True)

    for org in typical[:50] + largest:  # warm: connections, statement caches, the pages themselves
        page(org, cursors[org])
    timings("")
    explain(backend, page, largest[0], None, "first page")
    explain(backend, page, largest[0], deep[largest[0]], "page 101")

    if args.compare:
        with owner.begin() as conn:
            conn.exec_driver_sql(f"DROP INDEX {INDEX}")
        _analyze(owner, backend)
        get_engine().dispose()  # fresh connections: no statement prepared against the old schema
        for org in typical[:50] + largest:
            page(org, cursors[org])
        print(f"  without {INDEX} (org_id, created_at, id):", flush=True)
        timings("no index")
        explain(backend, page, largest[0], deep[largest[0]], "page 101")
    owner.dispose()
    get_engine().dispose()


def explain(backend: str, page, org_id: str, after_id: str | None, label: str) -> None:
    """The plan of the page query, captured as the app sends it and explained in a tenant transaction."""
    from sqlalchemy import event, text

    from resonance.core.db import get_engine
    from resonance.orgs.scope import tenant_session

    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "ORDER BY" in statement:
            seen.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        page(org_id, after_id)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = seen[-1]
    statement = statement[statement.index("SELECT generations."):]  # without the row-level security settings
    with tenant_session(org_id) as session:
        conn = session.connection()
        prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " if backend == "postgres" else "EXPLAIN QUERY PLAN "
        plan = conn.exec_driver_sql(prefix + statement, parameters).all()
    lines = [row[-1] for row in plan]
    print(f"    plan (largest organization, {label}):\n      " + "\n      ".join(str(line) for line in lines))


def _analyze(owner, backend: str) -> None:
    from sqlalchemy import text

    if backend == "postgres":
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE generations"))
    else:
        with owner.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with owner.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=500, help="page loads per row of figures (default 500)")
    parser.add_argument("--only-sqlite", action="store_true")
    parser.add_argument("--only-postgres", action="store_true")
    parser.add_argument("--compare", action="store_true", help=f"also time without {INDEX}")
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)  # keep the PostgreSQL database
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.child, args)
        return 0

    print(f"History page of {50} rows (goal p95 ≤ 20 ms): {args.rows:,} generations, {args.orgs:,} organizations")
    print(_common.machine(), flush=True)
    backends = ["sqlite", "postgres"]
    if args.only_sqlite:
        backends = ["sqlite"]
    elif args.only_postgres:
        backends = ["postgres"]
    for backend in backends:
        print({"sqlite": "SQLite (file in a temp data folder, WAL):",
               "postgres": f"PostgreSQL ({args.pg_host}:{args.pg_port}, throwaway database, app role "
                           f"{_postgres.APP_ROLE} under row-level security):"}[backend], flush=True)
        # Settings and engines are cached per process: each backend runs in a child process of its own.
        subprocess.run([sys.executable, *sys.argv, "--child", backend], check=False)
        print(f"  load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
