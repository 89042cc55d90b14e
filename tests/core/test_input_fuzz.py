"""Fuzzing every service that takes input (tests/core/input_surface.py) on PostgreSQL, the stricter database: with
any text in the field, control characters and NUL included, a call succeeds or raises one of the project's own
errors (what the UI shows and the API maps to 4xx), never a database or encoding error; and nothing stored holds a
control character other than a tab or a line break.

Hypothesis is derandomized (the same examples on every run, so CI is deterministic) and keeps no example database.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonance.core import text_input
from resonance.core.errors import ResonanceError
from tests.core.input_surface import ENTRIES, build_world, stored_text

CONTROLS = "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9b\x9f"
# Half control characters, half anything UTF-8 can carry (every other code point, surrogates excluded).
VALUES = st.text(st.one_of(st.sampled_from(CONTROLS), st.characters(codec="utf-8")), max_size=24)
EXAMPLES = 20


@pytest.mark.parametrize("db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_any_text_in_any_field_gets_an_answer_or_a_clear_refusal(db, subtests):
    world = build_world()
    for entry in ENTRIES:
        with subtests.test(entry.name):
            _fuzz(entry, world)
    # Tabs and line breaks only where text may have them (text to speak, descriptions, mail bodies).
    assert [(table, value) for table, value in stored_text() if not text_input.is_line(value.translate(_BREAKS))] == []


def _fuzz(entry, world) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(value=VALUES)
    def call(value: str) -> None:
        try:
            entry.call(world, value)
        except ResonanceError:
            pass  # a rule the person is told about

    call()


_BREAKS = str.maketrans("", "", "\t\n\r")
