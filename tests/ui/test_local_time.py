"""Times leave the server as ISO-8601 UTC and are formatted in the browser: `formatting.iso` and the rows that use it,
and assets/local_time.js (the wording and Intl formatting the page runs) run in Node with a zone and locale given."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from resonance.orgs.api_keys import KeyView
from resonance.ui import formatting
from resonance.ui.states.api_keys import key_row

ASSET = Path(__file__).resolve().parents[2] / "assets" / "local_time.js"
NOW = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)


def test_iso_is_utc_with_z_whatever_the_stored_zone():
    assert formatting.iso(datetime(2026, 12, 5, 23, 30, 7, 123456)) == "2026-12-05T23:30:07Z"  # naive (SQLite): UTC
    assert formatting.iso(datetime(2026, 12, 5, 18, 30, 7, tzinfo=timezone(timedelta(hours=-5)))) \
        == "2026-12-05T23:30:07Z"
    assert formatting.iso(None) == ""


def test_an_api_key_row_sends_its_times_as_iso_utc():
    view = KeyView(id="key_1", name="CI", prefix="rsk_abcd", created_by="Ada", created_at=NOW, last_used_at=None,
                   revoked_at=None)
    row = key_row(view)
    assert (row.created, row.last_used) == ("2026-12-05T23:30:00Z", "")  # "" reads "Never" in the page


def _run_js(tmp_path: Path, calls: list[list]) -> list[str]:
    """`formatTime(iso, format, options)` for each call, in Node, on a copy of the asset named as an ES module."""
    node = shutil.which("node")
    if node is None:  # CI machines have it (the OpenID provider runs on it); a developer without it is told why
        if os.environ.get("CI"):
            pytest.fail("node is not installed")
        pytest.skip("node is not installed")
    module = tmp_path / "local_time.mjs"
    shutil.copyfile(ASSET, module)
    script = (f"import {{ formatTime }} from {json.dumps(module.as_uri())};\n"
              f"const calls = {json.dumps(calls)};\n"
              "console.log(JSON.stringify(calls.map(([iso, format, options]) => formatTime(iso, format, options))));")
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("delta", "expected"), [
    (timedelta(seconds=20), "less than a minute ago"),
    (timedelta(minutes=1), "1 minute ago"),
    (timedelta(minutes=44), "44 minutes ago"),
    (timedelta(minutes=50), "about 1 hour ago"),
    (timedelta(hours=5), "about 5 hours ago"),
    (timedelta(days=1), "1 day ago"),
    (timedelta(days=12), "12 days ago"),
    (timedelta(days=40), "about 1 month ago"),
    (timedelta(days=200), "7 months ago"),
    (timedelta(days=400), "about 1 year ago"),
    (timedelta(days=1000), "over 2 years ago"),
])
def test_relative_times_always_end_in_ago(tmp_path, delta, expected):
    now_ms = int(NOW.timestamp() * 1000)
    assert _run_js(tmp_path, [[formatting.iso(NOW - delta), "ago", {"now": now_ms}]]) == [expected]


def test_dates_and_times_are_in_the_viewers_zone_and_locale(tmp_path):
    iso = formatting.iso(NOW)  # 23:30 UTC on the 5th is 18:30 on the 5th in New York, 00:30 on the 6th in Berlin
    now_ms = int(NOW.timestamp() * 1000)
    new_york_de = {"locale": "de-DE", "timeZone": "America/New_York", "now": now_ms}
    berlin_us = {"locale": "en-US", "timeZone": "Europe/Berlin", "now": now_ms}
    shown = _run_js(tmp_path, [
        [iso, "date_time", new_york_de], [iso, "date", berlin_us], [iso, "date_time", berlin_us],
        [formatting.iso(NOW - timedelta(hours=3)), "recent", berlin_us],
        [formatting.iso(NOW - timedelta(days=3)), "recent", berlin_us],
        ["", "date", berlin_us], ["not a time", "date", berlin_us],
    ])
    # ICU versions differ in the space before AM (a narrow no-break one in newer data).
    assert [text.replace("\u202f", " ") for text in shown] == [
        "05.12.2026, 18:30", "Dec 6, 2026", "Dec 6, 2026, 12:30 AM", "about 3 hours ago", "Dec 3, 2026", "", ""]
