"""Settings written as text that need parsing: rates (COUNT/SECONDS) and the OpenID Connect provider list.

Kept apart from config.py so the Settings class reads as the list of options; each parser raises ValueError with
what is wrong, which the settings turn into a ConfigError naming the variable.
"""

from __future__ import annotations

import json
import re

BUILT_IN_PROVIDERS = {"google", "github", "microsoft", "apple"}
PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def parse_rate(value: str) -> tuple[int, int]:
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        raise ValueError("must look like COUNT/SECONDS, e.g. 3/600")
    return int(count), int(seconds)


def parse_oidc_providers(text: str) -> list[dict]:
    """RESONANCE_OIDC_PROVIDERS as a list of {name, label, discovery_url, client_id, client_secret, trust_email};
    ValueError saying what is wrong with which entry."""
    if not (text or "").strip():
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"must be a JSON list of providers ({error.msg} at character {error.pos})") from None
    if not isinstance(items, list):
        raise ValueError("must be a JSON list of provider objects")
    providers, seen = [], set()
    for index, item in enumerate(items):
        where = f"provider #{index + 1}"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object")
        name = str(item.get("name", "")).strip()
        if not PROVIDER_NAME.match(name):
            raise ValueError(f"{where}: name must be 1-32 lower-case letters, digits or '-' (got {name!r})")
        if name in seen:
            raise ValueError(f"{where}: the name {name!r} is used twice")
        seen.add(name)
        url = str(item.get("discovery_url", "")).strip()
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{where} ({name}): discovery_url must be an http(s) URL")
        for key in ("client_id", "client_secret"):
            if not str(item.get(key, "")).strip():
                raise ValueError(f"{where} ({name}): {key} is required")
        unknown = set(item) - {"name", "label", "discovery_url", "client_id", "client_secret", "trust_email"}
        if unknown:
            raise ValueError(f"{where} ({name}): unknown key {sorted(unknown)[0]!r}")
        providers.append({
            "name": name, "label": str(item.get("label") or name.replace("-", " ").title()).strip()[:40],
            "discovery_url": url, "client_id": str(item["client_id"]).strip(),
            "client_secret": str(item["client_secret"]).strip(), "trust_email": bool(item.get("trust_email", True)),
        })
    return providers
