"""BCP-47 language tags for the voice form (from Babel's CLDR data, shipped in the wheel: no network), with flags
and region names for cards (`en-GB` → 🇬🇧 "United Kingdom")."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers


def flag(tag: str) -> str:
    region = tag.split("-")[-1].upper() if "-" in tag else ""
    if len(region) != 2 or not region.isalpha():
        return "🌐"
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in region)


def region_name(tag: str) -> str:
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return tag
    return (locale.territory and Locale("en").territories.get(locale.territory)) or tag


@lru_cache
def options() -> tuple[tuple[str, str], ...]:
    """(tag, "Name (Location)") for every language-region locale, sorted by label, as the language picker lists them."""
    english = Locale("en")
    found = {}
    for identifier in locale_identifiers():
        parts = identifier.split("_")
        if len(parts) != 2 or len(parts[1]) != 2:
            continue  # language-region only (no scripts or numeric regions)
        language, territory = parts
        name, place = english.languages.get(language), english.territories.get(territory)
        if name and place:
            found[f"{language}-{territory}"] = f"{name} ({place})"
    return tuple(sorted(found.items(), key=lambda item: item[1]))


def is_known(tag: str) -> bool:
    return tag in dict(options())
