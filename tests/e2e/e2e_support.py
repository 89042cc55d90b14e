"""End-to-end support: the real app in a subprocess, Chromium contexts, and helpers to read the dev outbox.

The app runs as `reflex run --env prod --single-port` on a free port (one origin serves the pages, the backend
routes and the event websocket), with its own temporary data folder, web build folder and secret key, so it never
touches the dev server's `.web` or `data/`. Migrations are applied with `reflex db migrate` and the same environment.

Self-contained: nothing here depends on tests/conftest.py. conftest.py in this folder turns it into fixtures.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    InvalidElementStateException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
SESSION_COOKIE = "__Host-resonance_session"  # the app's default; the test asserts its attributes
PASSWORD = "Quiet lanterns drift past 7 harbours"  # long, uncommon: passes the app's password rules

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
# offline-toolchain.md §2.2: headless Chromium on a closed network.
CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,900",  # ≥ 1024 px: the desktop sidebar (not the drawer) is shown
)
# The browsers ask for reduced motion, as many people's do: in software rendering the dashboard's drifting waves
# would otherwise take CPU for as long as a page shows them. The test of that motion opens a browser without it.
REDUCED_MOTION = "--force-prefers-reduced-motion"

START_TIMEOUT = float(os.environ.get("E2E_START_TIMEOUT", "300"))  # a cold `bun install` on a slow machine
WAIT = float(os.environ.get("E2E_WAIT", "30"))  # explicit waits in the browser


# The app under test


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@dataclass
class RunningApp:
    url: str
    port: int
    data_dir: Path
    web_dir: Path
    env: dict[str, str]
    log: Path
    migrated: Path | None = None  # the database as migrations left it, before the app served (second_backend.py)
    _state_names: dict[str, str] = field(default_factory=dict)
    _seeder: subprocess.Popen | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "resonance.db"

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the app's SQLite database directly (read-only), to assert what really changed."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def one(self, sql: str, *params):
        rows = self.query(sql, *params)
        assert len(rows) == 1, f"expected one row for {sql!r} {params}, got {rows}"
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def seed(self, spec: dict) -> dict:
        """People, organizations and signed-in sessions created through the app's services (see seed.py)."""
        if self._seeder is None or self._seeder.poll() is not None:
            # Its end of the pipes closes when this process ends, and seed.py ends with it.
            self._seeder = subprocess.Popen([_python(), str(Path(__file__).with_name("seed.py"))], cwd=ROOT,
                                            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True, bufsize=1)
        self._seeder.stdin.write(json.dumps(spec) + "\n")
        self._seeder.stdin.flush()
        seen = []
        for line in self._seeder.stdout:
            if line.startswith("SEED "):
                answer = json.loads(line.removeprefix("SEED "))
                assert "error" not in answer, f"seeding failed:\n{answer.get('error')}\n{''.join(seen[-40:])}"
                return answer
            seen.append(line)
        raise AssertionError(f"the seeder exited with {self._seeder.wait()}:\n{''.join(seen[-40:])}")

    def close(self) -> None:
        """Stop the seeder, if one was started."""
        if self._seeder is not None:
            self._seeder.stdin.close()
            try:
                self._seeder.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._seeder.kill()
            self._seeder.stdout.close()
            self._seeder = None

    def state_name(self, leaf: str) -> str:
        """The full name of a state as the compiled frontend addresses it, e.g. `shell____shell_state` ->
        `reflex___state____state.resonance___ui___states___auth____auth_state.resonance___ui___states___shell____shell_state`."""
        if leaf not in self._state_names:
            pattern = re.compile(r'"(reflex___state____state(?:\.[a-z0-9_]+)*?\.[a-z0-9_]*' + re.escape(leaf) + ')"')
            sources = [p for p in (self.web_dir / "utils").rglob("*") if p.suffix in (".js", ".jsx")]
            for path in sorted(sources, key=lambda p: p.name != "context.jsx"):  # the states' initial values
                found = pattern.search(path.read_text(errors="ignore"))
                if found:
                    self._state_names[leaf] = found.group(1)
                    break
            else:
                raise AssertionError(f"state {leaf!r} not found in the compiled frontend under {self.web_dir}")
        return self._state_names[leaf]

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _app_env(*, url: str, data_dir: Path, web_dir: Path, states_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RESONANCE_") and k not in ("REFLEX_DB_URL", "REFLEX_ENV_MODE")}
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".venv" / "bin"), str(ROOT / "tools" / "node_modules" / ".bin"),
                              env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
        REFLEX_TELEMETRY_ENABLED="False",
        REFLEX_CHECK_LATEST_VERSION="False",
        REFLEX_WEB_WORKDIR=str(web_dir),
        REFLEX_STATES_WORKDIR=str(states_dir),
        REFLEX_UPLOADED_FILES_DIR=str(data_dir / "uploaded_files"),
        # Development settings (the dev outbox page is how people here read their email), fresh data folder.
        RESONANCE_ENV="development",
        RESONANCE_DATA_DIR=str(data_dir),
        RESONANCE_DATABASE_URL=f"sqlite:///{data_dir / 'resonance.db'}",
        RESONANCE_SECRET_KEY=secrets.token_urlsafe(48),
        RESONANCE_APP_URL=url,
        RESONANCE_API_URL=url,
        RESONANCE_SIGNUP_RATE_PER_IP="1000/60",  # the whole suite signs up from one address
        RESONANCE_MATCH_SYNTHESES="4",  # the least the settings allow: the browser tests follow a match, not its quality
    )
    return env


def start_app(base: Path) -> tuple[RunningApp, subprocess.Popen]:
    """Migrate a fresh database and start `reflex run --env prod --single-port` on a free port; wait until it
    serves its pages and backend. Raises with the app's log on failure (the process is stopped first)."""
    data_dir, web_dir, states_dir = base / "data", base / "web", base / "states"
    data_dir.mkdir(parents=True)
    port = free_port()
    url = f"http://localhost:{port}"
    env = _app_env(url=url, data_dir=data_dir, web_dir=web_dir, states_dir=states_dir)
    app = RunningApp(url=url, port=port, data_dir=data_dir, web_dir=web_dir, env=env, log=base / "app.log")

    migrate = subprocess.run([_python(), "-m", "reflex", "db", "migrate"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=180)
    if migrate.returncode != 0:
        raise RuntimeError(f"reflex db migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
    app.migrated = base / "migrated.db"
    copy_database(app.db_path, app.migrated)

    with app.log.open("w") as log:
        proc = subprocess.Popen(
            [_python(), "-m", "reflex", "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port),
             # Loopback only: another backend can then serve this build at 127.0.0.2 (second_backend.py).
             "--backend-host", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while not (_http_status(f"{url}/ping") == 200 and _http_status(f"{url}/sign-in/") == 200):
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited with {proc.returncode} while starting:\n{app.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not serve {url} within {START_TIMEOUT:.0f} s:\n{app.log_tail()}")
            time.sleep(0.5)
    except BaseException:
        stop_app(proc)
        raise
    return app, proc


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its write-ahead log included), through SQLite's backup."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def stop_app(proc: subprocess.Popen) -> None:
    """SIGTERM the app's whole process group, then SIGKILL whatever is left of it."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group (bun, workers)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


# Browsers


class Browser:
    """One independent Chromium context (its own profile, cookies and storage) with the waits the app needs."""

    def __init__(self, app: RunningApp, driver: webdriver.Chrome):
        self.app, self.driver = app, driver

    # Navigation and waits

    def wait(self, condition: Callable[[webdriver.Chrome], object], message: str = "", timeout: float = WAIT):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,
                                                     InvalidElementStateException)).until(condition)
        except Exception as error:
            raise AssertionError(f"timed out waiting: {message or condition} (at {self.driver.current_url})") from error

    def open(self, path: str) -> None:
        self.driver.get(self.app.url + path)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.app.url)

    def wait_path(self, prefix: str) -> str:
        """Wait until the address is `prefix` (a trailing slash and a query string allowed)."""
        def at(_):
            path = self.path.split("#")[0]
            bare = path.split("?")[0].rstrip("/") or "/"
            return path if bare == (prefix.rstrip("/") or "/") else None
        return self.wait(at, f"the address to become {prefix}")

    def element(self, css: str, *, text: str = "", timeout: float = WAIT) -> WebElement:
        """A visible element (with `text` in it), once React has hydrated it: clicks and typing before that would
        be lost, or submit the form natively."""
        def ready(d):
            for el in d.find_elements(By.CSS_SELECTOR, css):
                if el.is_displayed() and text in el.text and d.execute_script(
                        "return Object.keys(arguments[0]).some(k => k.startsWith('__reactFiber$'))", el):
                    return el
            return None
        return self.wait(ready, f"{css}{f' with {text!r}' if text else ''} to be shown and hydrated", timeout)

    def elements(self, css: str) -> list[WebElement]:
        return [el for el in self.driver.find_elements(By.CSS_SELECTOR, css) if el.is_displayed()]

    def absent(self, css: str) -> bool:
        return not self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str, *, text: str = "") -> None:
        """Click once it lands (a passing toast or a closing menu can cover the element for a moment)."""
        def clicked(_):
            el = self.element(css, text=text)
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
            try:
                el.click()
            except ElementClickInterceptedException:
                return False
            return True
        self.wait(clicked, f"a click on {css}")

    def fill(self, css: str, value: str) -> None:
        """Type into a field and make sure the value stuck (a late server update can remount a field)."""
        def typed(_):
            el = self.element(css)
            if el.get_attribute("value") != value:
                el.clear()
                el.send_keys(value)
            return el.get_attribute("value") == value
        self.wait(typed, f"{css} to hold {value!r}")

    def wait_text(self, css: str, expected: str) -> None:
        self.wait(lambda d: any(expected in el.text for el in self.elements(css)), f"{css} to show {expected!r}")

    def cookie(self, name: str = SESSION_COOKIE) -> dict | None:
        return next((c for c in self.driver.get_cookies() if c["name"] == name), None)

    # The dev outbox (/dev/outbox): where people read their email in development

    def open_email(self, to: str, contains: str = "") -> WebElement:
        """Open the outbox and return the newest email to `to` (containing `contains`), refreshing until it comes."""
        self.open("/dev/outbox")
        refresh = self.element("button", text="Refresh")
        deadline = time.monotonic() + WAIT
        next_refresh = time.monotonic() + 2
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"no email to {to} containing {contains!r} in the outbox")
            try:
                for card in self.elements(".outbox-email"):  # newest first
                    recipient = card.find_element(By.CSS_SELECTOR, ".outbox-to").text  # "To: someone@…"
                    if recipient.partition(":")[2].strip().lower() == to.lower() and contains in card.text:
                        return card
            except StaleElementReferenceException:
                continue  # the list re-rendered under us: look again
            if time.monotonic() > next_refresh:  # the page lists what was sent when it loaded
                refresh.click()
                next_refresh = time.monotonic() + 2
            time.sleep(0.1)

    def read_code(self, to: str) -> str:
        """The 6-digit verification code from the newest verification email to `to`."""
        card = self.open_email(to, "Your code:")
        found = re.search(r"Your code: (\d{6})", card.text)
        assert found, f"no 6-digit code in: {card.text}"
        return found.group(1)

    def follow_email_link(self, to: str, contains: str) -> str:
        """Open the link in the newest email to `to` containing `contains`, as the recipient would."""
        card = self.open_email(to, contains)
        link = card.find_element(By.CSS_SELECTOR, ".outbox-link")
        href = link.get_attribute("href")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
        return href


class _Chrome(webdriver.Chrome):
    """A Chromium that notes when a test changed it beyond what `DriverPool.reset` undoes (DevTools commands:
    emulation, permissions, authenticators; the window's size)."""

    changed = False

    def execute_cdp_cmd(self, cmd: str, cmd_args: dict):
        self.changed = True
        return super().execute_cdp_cmd(cmd, cmd_args)

    def set_window_size(self, *args, **kwargs):
        self.changed = True
        return super().set_window_size(*args, **kwargs)


class DriverPool:
    """Chromium instances handed from test to test, so the suite does not start a browser (seconds of CPU, then a
    cold cache for the app's scripts) for every context a test opens. Each one a test gives back is made a new
    context for the next: a fresh tab (its session storage gone), no cookies, and no storage for the app's origin;
    one the test changed otherwise (see _Chrome) is closed instead."""

    def __init__(self, profiles: Callable[[], Path]):
        self.profiles = profiles
        self.idle: list[_Chrome] = []

    def take(self) -> webdriver.Chrome:
        return self.idle.pop() if self.idle else new_driver(self.profiles())

    def give_back(self, driver: webdriver.Chrome, origin: str) -> None:
        """`origin`: the app the test drove (its storage is cleared)."""
        try:
            if getattr(driver, "changed", True):
                raise WebDriverException("changed by its test")
            self._reset(driver, origin)
        except WebDriverException:
            quit_quietly(driver)
        else:
            self.idle.append(driver)

    @staticmethod
    def _reset(driver: webdriver.Chrome, origin: str) -> None:
        old = driver.window_handles
        driver.switch_to.new_window("tab")
        for handle in old:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(driver.window_handles[0])
        webdriver.Chrome.execute_cdp_cmd(driver, "Network.clearBrowserCookies", {})
        webdriver.Chrome.execute_cdp_cmd(driver, "Storage.clearDataForOrigin",
                                         {"origin": origin, "storageTypes": "all"})

    def close(self) -> None:
        while self.idle:
            quit_quietly(self.idle.pop())


@contextmanager
def browsers(app: RunningApp, pool: DriverPool) -> Iterator[Callable[[], Browser]]:
    """A factory of independent browser contexts on `app`, from `pool`; each given back when the block ends."""
    opened: list[Browser] = []

    def make() -> Browser:
        opened.append(Browser(app, pool.take()))
        return opened[-1]

    try:
        yield make
    finally:
        for browser in opened:
            pool.give_back(browser.driver, app.url)


def quit_quietly(driver: webdriver.Chrome) -> None:
    try:
        driver.quit()
    except WebDriverException:
        pass


def new_driver(profile: Path, *, microphone: bool | Path = False, console_log: bool = False,
               args: tuple[str, ...] = (), motion: bool = False) -> webdriver.Chrome:
    """Headless Chromium with its own profile folder: an independent browser context. `microphone`: a fake one,
    allowed without asking, that beeps (True) or plays a WAV file over and over (its path); `console_log`: the page's
    console kept for `driver.get_log("browser")`; `args`: more command-line switches; `motion`: no preference for
    reduced motion."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROME_ARGS + (() if motion else (REDUCED_MOTION,)) + tuple(args):
        options.add_argument(arg)
    if microphone:
        options.add_argument("--use-fake-ui-for-media-stream")
        options.add_argument("--use-fake-device-for-media-stream")
        if isinstance(microphone, Path):
            options.add_argument(f"--use-file-for-fake-audio-capture={microphone}")
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_argument(f"--user-data-dir={profile}")
    driver = _Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver




def signed_in(new_browser, cookie: str) -> Browser:
    """A new browser holding `cookie` as its session (as the sign-in route would have set it)."""
    b = new_browser()
    b.open("/sign-in")
    b.driver.add_cookie({"name": SESSION_COOKIE, "value": cookie, "path": "/", "secure": True, "httpOnly": True,
                         "sameSite": "Lax"})
    return b
