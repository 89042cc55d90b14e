"""A throwaway PostgreSQL database for a bench, set up as production runs it: the tables owned by the admin user
(migrations run as the owner), the app connecting as a role without BYPASSRLS so row-level security applies."""

from __future__ import annotations

import os
from collections.abc import Callable

APP_ROLE = "resonance_bench_app"


def throwaway_database(host: str, port: int, user: str, label: str) -> tuple[str, str, Callable[[], None]]:
    """Create the database (and the app role if absent): (owner URL, app URL, drop)."""
    import psycopg2

    name = f"resonance_bench_{label}_{os.getpid()}"
    admin = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
                    "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    owner = f"postgresql://{user}@{host}:{port}/{name}"
    app = f"postgresql://{APP_ROLE}@{host}:{port}/{name}"
    return owner, app, drop
