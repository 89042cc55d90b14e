"""A second backend of the app under test with other settings (billing on, say), serving the frontend the session's
app already built, so a test module gets its own configuration without a second frontend build (minutes on 2 cores).

The built frontend addresses its backend as `localhost:<port>` and swaps `localhost` for the page's own host name,
keeping the port. So the second backend listens on the SAME port at another loopback address (127.0.0.2; the main app
binds 127.0.0.1 only), and the browser opens http://127.0.0.2:<port>. It has its own data folder, database, secret
key and state folder, and runs exactly what `reflex run --env prod --single-port` runs after its build: Reflex's
production backend with the compiled frontend mounted.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path

from .e2e_support import ROOT, START_TIMEOUT, RunningApp, _http_status, _python, copy_database, stop_app

LAUNCH = ("import sys; from reflex.utils import exec; "
          "exec.run_backend_prod(sys.argv[1], int(sys.argv[2]), mount_frontend_compiled_app=True)")


def start_backend(main: RunningApp, base: Path, *, host: str, settings: dict[str, str]) -> tuple[RunningApp,
                                                                                                 subprocess.Popen]:
    """Serve `main`'s build at http://`host`:`main.port` with `settings` added to the environment, on a fresh copy
    of the database migrations made for `main`. Raises with the backend's log if it does not come up (stopped first)."""
    data_dir, states_dir = base / "data", base / "states"
    data_dir.mkdir(parents=True)
    url = f"http://{host}:{main.port}"
    env = {
        **main.env,
        "REFLEX_STATES_WORKDIR": str(states_dir),
        "REFLEX_UPLOADED_FILES_DIR": str(data_dir / "uploaded_files"),
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_SKIP_COMPILE": "true",  # the build in main.web_dir is served as it is
        "REFLEX_MOUNT_FRONTEND_COMPILED_APP": "true",
        "RESONANCE_DATA_DIR": str(data_dir),
        "RESONANCE_DATABASE_URL": f"sqlite:///{data_dir / 'resonance.db'}",
        "RESONANCE_SECRET_KEY": secrets.token_urlsafe(48),
        "RESONANCE_APP_URL": url,
        "RESONANCE_API_URL": url,
        **settings,
    }
    app = RunningApp(url=url, port=main.port, data_dir=data_dir, web_dir=main.web_dir, env=env,
                     log=base / "backend.log")
    copy_database(main.migrated, app.db_path)  # what `reflex db migrate` made for `main` before it served
    with app.log.open("w") as log:
        proc = subprocess.Popen([_python(), "-c", LAUNCH, host, str(main.port)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while not (_http_status(f"{url}/ping") == 200 and _http_status(f"{url}/sign-in/") == 200):
            if proc.poll() is not None:
                raise RuntimeError(f"the second backend exited with {proc.returncode}:\n{app.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the second backend did not serve {url} in {START_TIMEOUT:.0f} s:\n"
                                   f"{app.log_tail()}")
            time.sleep(0.3)
    except BaseException:
        stop_app(proc)
        raise
    return app, proc
