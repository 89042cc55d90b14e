"""Reflex configuration. Values come from Resonance's validated settings, so a bad variable stops start-up with a
message naming it."""

import os
import sys

import reflex as rx

from resonance.core.config import get_settings
from resonance.core.errors import ConfigError

try:
    settings = get_settings()
except ConfigError as error:
    print(error, file=sys.stderr)
    raise SystemExit(2) from None

settings.DATA_DIR.mkdir(parents=True, exist_ok=True)

if settings.REDIS_URL:
    # Opportunistic locking: a worker keeps the Redis lock and the state of a tab it is serving in memory until another
    # worker asks for them (Redis pub/sub), instead of fetching, pickling and storing the state on every event. A
    # tab's websocket stays on one worker, so that is nearly always (bench/event_roundtrip.py --state-manager redis
    # --workers 2 shows the difference). Set REFLEX_OPLOCK_ENABLED=false to turn it off.
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")

config = rx.Config(
    app_name="resonance",
    # `reflex db migrate` runs as the tables' owner when MIGRATION_DATABASE_URL names it (row-level security);
    # the app's own queries always use DATABASE_URL (resonance/core/db.py).
    db_url=settings.MIGRATION_DATABASE_URL or settings.DATABASE_URL,
    api_url=settings.API_URL,
    deploy_url=settings.APP_URL,
    # The event websocket and CORS accept only our own origins (cross-site websocket hijacking).
    cors_allowed_origins=settings.allowed_origins,
    # X-Forwarded-For is read through this many of our own proxies only (resonance/core/client_ip.py, the same rule).
    trusted_proxy_hops=settings.TRUSTED_PROXY_HOPS,
    # state_auto_setters stays at its default, False (naming it only prints a deprecation): every state change goes
    # through an explicit, server-checked handler (tests/ui/states/test_no_generated_setters.py).
    # Several backend workers (granian workers, or processes on several machines) share page state through Redis.
    # Without Redis there is one backend process: in production its page state stays in memory, because the disk
    # manager rescans every state file on each write cycle (bench/event_roundtrip.py --state-manager disk shows the
    # cost). Nothing is lost with it on a restart: a tab re-hydrates and its on_load guards re-derive the
    # user and organization from the cookie. Development keeps Reflex's disk manager, which survives hot reloads.
    # REFLEX_STATE_MANAGER_MODE still overrides either choice.
    redis_url=settings.REDIS_URL or None,
    **({"state_manager_mode": "memory"} if not settings.REDIS_URL and not settings.is_dev else {}),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", gray_color="slate", radius="large")),
        rx.plugins.SitemapPlugin(),
    ],
)
