"""Removing files whose rows are gone, after the transaction committed: a failed delete leaves files behind (logged,
found later by a sweep), never a row without its files."""

from __future__ import annotations

import logging

from resonance.storage import get_storage

log = logging.getLogger("resonance.storage")


def remove_files(keys: list[str]) -> None:
    """Best effort: a key ending in "/" is a prefix (a generation's chunks); a file that stays is only logged."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete_prefix(key) if key.endswith("/") else storage.delete(key)
        except Exception:  # noqa: BLE001 - the caller's work is done; this must not undo or hide it
            log.exception("could not delete %s", key)
