"""A job kind: how to recover, claim and run one kind of durable job whose state lives in its own table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    name: str
    recover: Callable[[], int]  # put jobs left 'running' by a stopped process back to 'queued'; returns how many
    claim_next: Callable[[], str | None]  # atomically mark one queued job running; its id, or None
    run: Callable[[str], None]  # do the claimed job; must mark it done or failed itself
