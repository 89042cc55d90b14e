"""Reflex configuration. Values come from Resonance's validated settings, so a bad variable stops start-up with a
message naming it."""

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

config = rx.Config(
    app_name="resonance",
    db_url=settings.DATABASE_URL,
    api_url=settings.API_URL,
    deploy_url=settings.APP_URL,
    # The event websocket and CORS accept only our own origins (cross-site websocket hijacking).
    cors_allowed_origins=settings.allowed_origins,
    # state_auto_setters stays at its default, False (naming it only prints a deprecation): every state change goes
    # through an explicit, server-checked handler. tests/ui/test_states.py asserts no generated setter exists.
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", gray_color="slate", radius="large")),
        rx.plugins.SitemapPlugin(),
    ],
)
