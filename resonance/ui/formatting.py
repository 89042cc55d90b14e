"""Plain-text renderings of dates and user agents for the settings pages (state vars hold strings only)."""

from __future__ import annotations

from datetime import UTC, datetime

from resonance.core.clock import clock


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def date(moment: datetime | None) -> str:
    """`Mar 5, 2026`."""
    if moment is None:
        return ""
    moment = _utc(moment)
    return f"{moment:%b} {moment.day}, {moment.year}"


def date_time(moment: datetime | None) -> str:
    """`Mar 5, 2026, 14:03 UTC`."""
    if moment is None:
        return ""
    return f"{date(moment)}, {_utc(moment):%H:%M} UTC"


def ago(moment: datetime | None) -> str:
    """`Just now`, `5 minutes ago`, `3 hours ago`, then the date."""
    if moment is None:
        return ""
    seconds = (clock.now() - _utc(moment)).total_seconds()
    if seconds < 90:
        return "Just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} minutes ago"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    return date(moment)


def time_ago(moment: datetime | None) -> str:
    """Always "… ago", in date-fns' `formatDistanceToNow` wording: `less than a minute ago`, `3 minutes ago`,
    `about 2 hours ago`, `5 days ago`, `about 1 month ago`, `over 1 year ago`."""
    if moment is None:
        return ""
    minutes = max(0.0, (clock.now() - _utc(moment)).total_seconds()) / 60
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 45:
        return _plural(round(minutes), "minute")
    hours = minutes / 60
    if hours < 24:
        return "about " + _plural(max(1, round(hours)), "hour")
    days = hours / 24
    if days < 30:
        return _plural(max(1, round(days)), "day")
    months = days / 30
    if months < 12:
        return ("about " if round(months) <= 1 else "") + _plural(max(1, round(months)), "month")
    years = months / 12
    return ("about " if years < 1.25 else "over ") + _plural(max(1, int(years)), "year")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


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


# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
             ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))


def device(user_agent: str) -> str:
    """A short readable form of a user agent: `Chrome on Linux`, `Safari on iOS`, `Unknown device`."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
