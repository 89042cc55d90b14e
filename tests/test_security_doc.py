"""docs/security.md: every threat names at least one test, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"


def rows() -> list[str]:
    return [line for line in DOC.read_text().splitlines()
            if line.startswith("| ") and not line.startswith(("| Threat", "| ---"))]


def test_every_threat_names_a_test():
    assert rows()
    for row in rows():
        assert "`tests/" in row.rsplit("|", 2)[-2], row


def test_every_named_test_exists():
    for row in rows():
        for path, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", row):
            source = (ROOT / path).read_text()
            assert name == "" or re.search(rf"^\s*(async )?def {name}\(", source, re.M), f"{path}::{name}"
