"""Security headers on every HTTP response the app serves: pages, static files, API answers and refusals.

The middleware sits on the FastAPI app Reflex is given as `api_transformer`, and Reflex mounts its own backend inside
that app; with `--single-port` that backend also serves the built frontend (a static-files mount added to it before
the transformer runs). So one middleware covers the pages, Reflex's endpoints and our routes. A header a response
already carries is left as it is.

The Content-Security-Policy is the narrowest the compiled Reflex frontend runs under: tests/e2e/test_security_headers.py
drives sign-up, recording and playback in Chromium with no violation, and each source below was needed there.

- scripts: 'self' plus 'unsafe-inline' (the prerendered pages boot React Router with inline scripts whose content
  changes with every build), 'unsafe-eval' (Reflex runs the scripts of `rx.call_script` events with `eval`: the
  sign-in hand-off, file picking, recording) and blob: (the recorder's AudioWorklet module is made from a Blob);
- styles: 'self' plus 'unsafe-inline' (emotion and Radix inject <style> elements, prerendered markup has style
  attributes);
- connect-src: our own origins over http(s) and ws(s), for the event websocket `/_event` and the upload route (in
  development the backend is another origin, API_URL; browsers without CSP 3 do not match ws: by 'self');
- media-src: our audio routes, and blob: for the sample the voice dialog plays before it is uploaded;
- img-src data: for inline images; nothing may frame the app (frame-ancestors 'none', and X-Frame-Options for older
  browsers); no plugins; forms post only to us.

Everything else falls back to default-src 'self': no third-party script, style, font, frame or connection.
HSTS is sent only in production when APP_URL is https.
"""

from __future__ import annotations

from functools import lru_cache

from starlette.types import Message, Receive, Scope, Send

from resonance.api.http_middleware import HttpMiddleware
from resonance.core.config import get_settings

PERMISSIONS = ("accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
               "microphone=(self), midi=(), payment=(), usb=()")
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours to decide


def content_security_policy(origins: list[str]) -> str:
    ours = " ".join(origins)
    sockets = " ".join("ws" + origin.removeprefix("http") for origin in origins if origin.startswith("http"))
    directives = {
        "default-src": "'self'",
        "script-src": "'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "media-src": "'self' blob:",
        "connect-src": f"'self' {ours} {sockets}",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": f"'self' {ours}",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


@lru_cache
def _headers(origins: tuple[str, ...], hsts: bool) -> tuple[tuple[bytes, bytes], ...]:
    values = {
        "content-security-policy": content_security_policy(list(origins)),
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": PERMISSIONS,
    }
    if hsts:
        values["strict-transport-security"] = HSTS
    return tuple((name.encode(), value.encode()) for name, value in values.items())


def security_headers() -> tuple[tuple[bytes, bytes], ...]:
    """The headers for the current settings (names in lower case, as ASGI carries them)."""
    settings = get_settings()
    hsts = not settings.is_dev and settings.APP_URL.startswith("https://")
    return _headers(tuple(settings.allowed_origins), hsts)


class SecurityHeaders(HttpMiddleware):
    """ASGI middleware adding `security_headers()` to every HTTP response that does not set them itself."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = security_headers()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()),
                                      *((name, value) for name, value in extra if name not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
