"""compose.yaml, the Procfile and docs/production.md agree on the set-up steps (no Docker here, so read, not run):
the release step creates the bucket before the migrations, SeaweedFS gets the same secret as the app, and Caddy
learns the site's name."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "python -m resonance.ops.bucket && reflex db migrate && python -m resonance.voices.seed"


def services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_every_release_step_creates_the_bucket_then_migrates_then_seeds():
    assert services()["migrate"]["command"] == ["sh", "-c", RELEASE]
    assert f"release: {RELEASE}\n" in (ROOT / "Procfile").read_text()
    assert f"| release | `{RELEASE}` |" in (ROOT / "docs" / "production.md").read_text()


def test_seaweedfs_gets_the_apps_secret_and_room_for_more_than_one_bucket():
    weed = services()["seaweedfs"]
    app_secret = services()["web"]["environment"]["RESONANCE_S3_SECRET_ACCESS_KEY"]
    assert weed["environment"]["S3_SECRET_KEY"] == app_secret == "${S3_SECRET_KEY:?set S3_SECRET_KEY}"
    command = weed["command"][0]
    template = re.search(r"(\S+):/etc/seaweedfs/s3\.json\.in:ro", " ".join(weed["volumes"])).group(1)
    assert "@S3_SECRET_KEY@" in (ROOT / template).read_text()
    assert 's|@S3_SECRET_KEY@|$$S3_SECRET_KEY|" /etc/seaweedfs/s3.json.in > /tmp/s3.json' in command
    assert "-s3.config=/tmp/s3.json" in command
    assert "-master.volumeSizeLimitMB=1024 -volume.max=0" in command
    assert weed["healthcheck"]["test"][-1].endswith(":8333/healthz")


def test_caddy_is_told_the_site_name():
    assert "{$RESONANCE_DOMAIN" in (ROOT / "deploy" / "Caddyfile").read_text()
    assert services()["caddy"]["environment"]["RESONANCE_DOMAIN"].startswith("${RESONANCE_DOMAIN:?")
