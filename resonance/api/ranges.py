"""Serving stored audio with HTTP Range support, so players can seek without downloading everything."""

from __future__ import annotations

import logging
import re

from fastapi.responses import PlainTextResponse, Response

from resonance.core.failures import report
from resonance.storage import get_storage

log = logging.getLogger("resonance.api")
FETCH_FAILED = "Failed to fetch audio."

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end) inclusive for a satisfiable single range; None for no/ignored header; "unsatisfiable"."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # malformed or multi-range: serve the whole file, as RFC 9110 allows
    first, last = match.groups()
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def serve_object(key: str, *, range_header: str | None, content_type: str, cache_control: str,
                 filename: str | None = None) -> Response:
    storage = get_storage()
    try:
        size = storage.stat(key).size
        wanted = parse_range(range_header, size)
        if wanted == "unsatisfiable":
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        headers = {"Cache-Control": cache_control, "Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff"}
        if filename:
            headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        if wanted is None:
            return Response(storage.get(key), media_type=content_type, headers=headers)
        start, end = wanted
        body = storage.get_range(key, start, end)
    except Exception as error:  # noqa: BLE001 - storage unreachable or object gone: the reference's 502
        return PlainTextResponse(report(log, error, FETCH_FAILED, "serving %s failed", key), status_code=502)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(body, status_code=206, media_type=content_type, headers=headers)
