"""Loopback stand-ins for sign-in providers, shared by the unit and browser tests.

- `OidcProvider`: the real npm package oidc-provider (oidc_server.mjs), started with node (bun when node is
  missing); installed into tools/oidc on first use (scripts/env.sh `ensure_oidc_provider`).
- `GitHubFake`: GitHub's OAuth endpoints as GitHub documents them (authorize, POST /login/oauth/access_token with
  PKCE, GET /user, GET /user/emails); it answers token errors with 200 and an `error` field, as GitHub does.
- `BrokenProvider`: a provider whose endpoints answer garbage or never answer (provider failures).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[3]
MODULE = ROOT / "tools" / "oidc" / "node_modules" / "oidc-provider" / "lib" / "index.js"
SCRIPT = Path(__file__).with_name("oidc_server.mjs")


def ensure_installed() -> None:
    if not MODULE.exists():
        subprocess.run(["bash", "-c", f'source "{ROOT}/scripts/env.sh" && ensure_oidc_provider'], check=True,
                       timeout=300)


def _runtime() -> list[str]:
    node = shutil.which("node")
    if node:
        return [node]
    bun = ROOT / "tools" / "node_modules" / ".bin" / "bun"
    return [str(bun) if bun.exists() else "bun", "run"]


class OidcProvider:
    """`with OidcProvider(clients) as op:` serves http://127.0.0.1:PORT; `op.discovery_url`."""

    def __init__(self, clients: list[dict]):
        ensure_installed()
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        config = {"port": self.port, "issuer": self.issuer, "clients": clients}
        env = os.environ | {"OIDC_PROVIDER_MODULE": str(MODULE), "OIDC_TEST_CONFIG": json.dumps(config)}
        self.proc = subprocess.Popen([*_runtime(), str(SCRIPT)], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        seen = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            seen.append(line)
            if line.startswith("READY"):
                # Keep draining its output (warnings) so the pipe never fills and blocks it.
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return
        self.stop()
        raise RuntimeError("oidc-provider did not start:\n" + "".join(seen))

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class GitHubAccount:
    id: int
    login: str
    name: str
    emails: list[dict]  # [{"email", "primary", "verified", "visibility"}]


@dataclass
class GitHubFake:
    """GitHub's OAuth app endpoints. `signed_in` is the account the next authorize request approves."""

    client_id: str
    client_secret: str
    signed_in: GitHubAccount | None = None
    codes: dict = field(default_factory=dict)  # code -> (account, challenge, redirect_uri)
    tokens: dict = field(default_factory=dict)  # access token -> account
    token_requests: list = field(default_factory=list)

    def __post_init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/login/oauth/authorize":
                    return fake._authorize(self, parse_qs(url.query))
                account = fake.tokens.get(self.headers.get("Authorization", "").partition(" ")[2])
                if account is None:
                    return self._json(401, {"message": "Bad credentials"})
                if url.path == "/user":
                    return self._json(200, {"id": account.id, "login": account.login, "name": account.name})
                if url.path == "/user/emails":
                    return self._json(200, account.emails)
                return self._json(404, {"message": "Not Found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/login/oauth/access_token":
                    return self._json(404, {"message": "Not Found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                    form.setdefault("client_id", cid)
                    form.setdefault("client_secret", secret)
                return self._json(200, fake._token(form))

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _authorize(self, handler, query) -> None:
        q = {k: v[0] for k, v in query.items()}
        code = secrets.token_hex(10)
        self.codes[code] = (self.signed_in, q.get("code_challenge"), q.get("redirect_uri"))
        handler.send_response(302)
        handler.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
        handler.end_headers()

    def _token(self, form: dict) -> dict:
        self.token_requests.append(form)
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return {"error": "incorrect_client_credentials"}
        entry = self.codes.pop(form.get("code", ""), None)  # a code works once
        if entry is None:
            return {"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}
        account, challenge, redirect_uri = entry
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not challenge or digest != challenge or form.get("redirect_uri") != redirect_uri:
            return {"error": "bad_verification_code", "error_description": "PKCE or redirect_uri mismatch."}
        token = "gho_" + secrets.token_hex(16)
        self.tokens[token] = account
        return {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BrokenProvider:
    """An OpenID provider that fails on purpose. Its discovery document is well-formed and points every endpoint at
    itself; each other path answers as `modes[path]` says: "garbage" (200, an HTML page), "hang" (never answers
    until `stop`), or a dict or list (200, that JSON). Unlisted paths answer 404."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.modes: dict[str, object] = {}
        self.hits: list[str] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self):
                path = urlsplit(self.path).path
                fake.hits.append(path)
                if path == "/.well-known/openid-configuration":
                    return self._answer(200, json.dumps(fake.metadata()).encode(), "application/json")
                mode = fake.modes.get(path)
                if mode == "hang":
                    fake.release.wait(60)
                    return None
                if mode == "garbage":
                    return self._answer(200, b"<html><body>Service Unavailable</body></html>", "text/html")
                if isinstance(mode, (dict, list)):
                    return self._answer(200, json.dumps(mode).encode(), "application/json")
                return self._answer(404, b"not found", "text/plain")

            def do_GET(self):
                self._serve()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._serve()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def metadata(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "userinfo_endpoint": f"{self.url}/me", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
