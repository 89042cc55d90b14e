"""Serving stored audio and archives with HTTP Range support, so players can seek without downloading everything.
A body larger than `CHUNK` is streamed, read from storage a chunk at a time, so a large archive never sits whole in
memory; its first chunk is read before the answer starts, so storage that is away still gets the 502."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from resonance.core.failures import report
from resonance.storage import get_storage

log = logging.getLogger("resonance.api")
FETCH_FAILED = "Failed to fetch audio."
CHUNK = 1024 * 1024

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
        if wanted is None and size <= CHUNK:
            return Response(storage.get(key), media_type=content_type, headers=headers)
        start, end = wanted or (0, size - 1)
        body = storage.get_range(key, start, min(end, start + CHUNK - 1))
    except Exception as error:  # noqa: BLE001 - storage unreachable or object gone: the reference's 502
        return PlainTextResponse(report(log, error, FETCH_FAILED, "serving %s failed", key), status_code=502)
    status = 200 if wanted is None else 206
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if start + len(body) > end:
        return Response(body, status_code=status, media_type=content_type, headers=headers)
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(_chunks(key, body, start + len(body), end), status_code=status, media_type=content_type,
                             headers=headers)


def _chunks(key: str, first: bytes, start: int, end: int) -> Iterator[bytes]:
    """`first`, then the rest up to `end`, a chunk at a time. A failure now can only cut the answer short (its
    Content-Length tells the client)."""
    yield first
    storage = get_storage()
    while start <= end:
        try:
            body = storage.get_range(key, start, min(end, start + CHUNK - 1))
        except Exception:
            log.exception("serving %s failed at byte %d", key, start)
            raise
        if not body:
            raise RuntimeError(f"{key} ended early at byte {start}")
        yield body
        start += len(body)
