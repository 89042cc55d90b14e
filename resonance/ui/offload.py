"""Running slow service calls (argon2 hashing: ~0.2 s of CPU) on a worker thread, so one sign-in does not stall
every other connection's events on the event loop (bench/event_roundtrip.py --sign-in-every shows the cost)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from resonance.orgs.scope import system_session

T = TypeVar("T")


async def in_system_session(service: Callable[..., T], **kwargs) -> T:
    """`service(session=..., **kwargs)` in its own unit of work, on a worker thread."""

    def run() -> T:
        with system_session() as session:
            return service(session=session, **kwargs)

    return await asyncio.to_thread(run)
