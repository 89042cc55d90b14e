"""Running the app: health and readiness for load balancers (readiness.py), backup and restore of the default
SQLite + local-files setup (backup.py), and the storage sweeper (sweep.py). Knows nothing of Reflex."""
