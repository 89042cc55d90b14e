"""Plain-text renderings for state vars (strings only): times as ISO UTC for the browser to format, durations and
initials (user agents: identity/devices.py)."""

from __future__ import annotations

from datetime import datetime

from resonance.core.clock import as_utc


def iso(moment: datetime | None) -> str:
    """`2026-03-05T14:03:07Z`, or "" for no time: pages format it in the viewer's zone and locale
    (resonance/ui/components/local_time.py)."""
    if moment is None:
        return ""
    return as_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def duration(seconds: float | None) -> str:
    """`mm:ss`."""
    total = int(round(seconds or 0))
    return f"{total // 60:02d}:{total % 60:02d}"


def initials(text: str) -> str:
    """Up to two initials for an avatar: `Ada Lovelace` → `AL`."""
    parts = (text or "").replace("@", " ").split()
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def clip(text: str, limit: int) -> str:
    """`text` with its whitespace collapsed, cut to at most `limit` characters with "…" where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
