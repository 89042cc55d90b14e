"""Every job kind the app has, and the process-wide runner chosen by RESONANCE_JOBS_BACKEND."""

from __future__ import annotations

from functools import lru_cache

from resonance.jobs.kinds import JobKind
from resonance.jobs.runner import Runner


def job_kinds() -> list[JobKind]:
    from resonance.generations.jobs import GENERATION_JOBS
    from resonance.orgs.exports import ORG_EXPORTS
    from resonance.orgs.purge import ORG_FILE_PURGES
    from resonance.voices.matching import MATCH_JOBS

    return [GENERATION_JOBS, MATCH_JOBS, ORG_FILE_PURGES, ORG_EXPORTS]


@lru_cache
def default_runner():
    """inprocess: a thread here runs the jobs. celery: a thread here sends them to the Celery workers."""
    from resonance.core.config import get_settings

    if get_settings().JOBS_BACKEND == "celery":
        from resonance.jobs.distributed import CeleryDispatcher

        return CeleryDispatcher(job_kinds())
    return Runner(job_kinds())
