"""Where a generation's audio lives in storage, and what a download is called."""

from __future__ import annotations

import re

from resonance.generations.models import Generation


def org_prefix(org_id: str) -> str:
    """Every stored object of the organization's generations lies under this prefix."""
    return f"generations/orgs/{org_id}/"


def audio_key(org_id: str, generation_id: str) -> str:
    return f"{org_prefix(org_id)}{generation_id}"


def chunk_prefix(org_id: str, generation_id: str) -> str:
    return f"{org_prefix(org_id)}{generation_id}.chunks/"


def chunk_key(generation: Generation, index: int) -> str:
    return f"{chunk_prefix(generation.org_id, generation.id)}{index:04d}.wav"


def download_name(text: str, extension: str = "wav") -> str:
    """The download name: the first 50 characters, lower-cased, each run of other characters turned into "-"
    (we also trim dashes at the ends), falling back to "Speech"."""
    stem = re.sub(r"[^a-zA-Z0-9]+", "-", (text or "")[:50].lower()).strip("-")
    return f"{stem or 'Speech'}.{extension}"
