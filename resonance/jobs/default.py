"""The process-wide runner with every job kind the app has."""

from __future__ import annotations

from functools import lru_cache

from resonance.jobs.runner import Runner


@lru_cache
def default_runner() -> Runner:
    from resonance.generations.jobs import GENERATION_JOBS
    from resonance.voices.matching import MATCH_JOBS

    return Runner([GENERATION_JOBS, MATCH_JOBS])
