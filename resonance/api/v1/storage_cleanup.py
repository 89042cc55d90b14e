"""Removing a deleted row's files after its transaction has committed (a failed delete leaves files, never a row
without its files)."""

from __future__ import annotations

import logging

from resonance.storage import get_storage

log = logging.getLogger("resonance.api")


def remove_files(keys: list[str]) -> None:
    """Best effort: a key ending in "/" is a prefix (a generation's chunks); a leftover file is only logged."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete_prefix(key) if key.endswith("/") else storage.delete(key)
        except Exception:  # noqa: BLE001
            log.exception("could not delete %s", key)
