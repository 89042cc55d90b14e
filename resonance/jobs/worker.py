"""The job worker: `python -m resonance.jobs.worker [celery worker options]`.

Runs `celery -A resonance.jobs.celery_app worker` on RESONANCE_JOBS_QUEUE with one job at a time (speech synthesis
uses every core; start more workers or pass --concurrency on big machines) and an embedded beat for the periodic
sweep. With many workers, pass --no-beat to all but one, or run `celery -A resonance.jobs.celery_app beat` once
(duplicate sweeps are harmless, only wasted queries).
"""

from __future__ import annotations

import sys

from resonance.core.config import get_settings
from resonance.core.errors import ConfigError


def argv(extra: list[str]) -> list[str]:
    settings = get_settings()
    args = ["worker", "--loglevel=INFO", f"--queues={settings.JOBS_QUEUE}", "--concurrency=1"]
    if "--no-beat" in extra:
        extra = [a for a in extra if a != "--no-beat"]
    else:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        args += ["--beat", f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}"]
    return args + extra


def main() -> None:
    try:
        args = argv(sys.argv[1:])
        from resonance.jobs.celery_app import app
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    if get_settings().JOBS_BACKEND != "celery":
        print("warning: RESONANCE_JOBS_BACKEND is not celery, so the web processes run jobs themselves and send "
              "none here; set RESONANCE_JOBS_BACKEND=celery for them as well", file=sys.stderr)
    app.worker_main(args)


if __name__ == "__main__":
    main()
