"""What every settings part shares: the project root, and names accepted with or without the RESONANCE_ prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices

ROOT = Path(__file__).resolve().parents[3]


def both(name: str) -> AliasChoices:
    """Accept a variable under its own name (as its vendor documents it) and with the RESONANCE_ prefix."""
    return AliasChoices(f"RESONANCE_{name}", name)
