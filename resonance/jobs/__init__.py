"""Background work (generations, voice matching): job kinds declared by their domains, run by a runner.

RESONANCE_JOBS_BACKEND picks the runner (default.py): `inprocess`, a thread inside the app process (runner.py), or
`celery`, where the app only sends jobs and Celery workers run them (distributed.py, celery_app.py, worker.py;
leases.py keeps a killed worker's job from being lost or run twice). Job functions know nothing of what runs them.
"""
