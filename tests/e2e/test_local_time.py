"""Times in the viewer's time zone and locale: Chromium in New York with German formats reads the account's sessions,
API keys, members and audit log in New York time and German date order; the <time> elements carry ISO UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from .e2e_support import RunningApp, signed_in

pytestmark = pytest.mark.e2e

ZONE = "America/New_York"
LOCALE = "de-DE"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _shown(b, css: str) -> tuple[datetime, str, str]:
    """The time in `css` (a <time> element once the browser has formatted it): its instant, text and tooltip."""
    def formatted(_):
        for el in b.elements(css):
            stamp = el.get_attribute("datetime") or ""
            if ISO_UTC.fullmatch(stamp) and el.text.strip():
                return stamp, el.text.strip(), el.get_attribute("title") or ""
        return None
    stamp, text, title = b.wait(formatted, f"{css} to show a formatted time")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")), text, title


def test_times_read_in_the_viewers_zone_and_locale(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Zone"}, "orgs": {"tz": {"name": "Zone Co", "admin": "ada"}},
                       "active": {"ada": "tz"}})
    b = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    b.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ZONE})
    b.driver.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": LOCALE})
    assert b.driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone") == ZONE

    # The account's sessions: "Signed in" as a German date and New York clock time.
    b.open("/account")
    signed_in_at, text, _ = _shown(b, ".session-row time[data-format='date_time']")
    local = signed_in_at.astimezone(ZoneInfo(ZONE))
    assert text == f"{local:%d.%m.%Y, %H:%M}"
    assert f"{signed_in_at.astimezone(UTC):%H:%M}" not in text  # not UTC (New York is never on UTC)

    # API keys: the created date in German order, its tooltip with the New York time; no use yet reads "Never".
    b.open("/settings/api-keys")
    b.fill("#api-key-name", "Zoned")
    b.click("#api-key-create")
    b.element("#api-key-secret")
    b.click("#api-key-done")
    row = ".api-key-row[data-name='Zoned']"
    created, text, title = _shown(b, f"{row} .api-key-created time")
    local = created.astimezone(ZoneInfo(ZONE))
    assert text == f"{local:%d.%m.%Y}"
    assert f"{local:%H:%M:%S}" in title and f"{created.astimezone(UTC):%H:%M:%S}" not in title
    b.wait_text(f"{row} .api-key-last-used", "Never")

    # The organization: the members' joined date, and the audit log's entry for the new key, the same way.
    b.open("/settings/organization")
    b.click("#tab-members")
    joined, text, _ = _shown(b, ".member-row time")
    assert text == f"{joined.astimezone(ZoneInfo(ZONE)):%d.%m.%Y}"
    b.click("#tab-audit")
    logged, text, _ = _shown(b, ".audit-row time")
    assert text == f"{logged.astimezone(ZoneInfo(ZONE)):%d.%m.%Y, %H:%M}"
