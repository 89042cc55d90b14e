"""Every change to page state goes through a handler we wrote and check on the server: Reflex generates no
`set_<var>` for our vars (rxconfig leaves `state_auto_setters` off), so a browser cannot set a var by naming it."""

from __future__ import annotations

import inspect
from pathlib import Path

import reflex as rx

import resonance
import resonance.resonance  # noqa: F401  (every page and state registered)

OURS = Path(resonance.__file__).resolve().parent


def _states(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _states(sub)


def test_every_setter_of_our_vars_is_a_handler_we_wrote():
    ours = [cls for cls in _states(rx.State) if cls.__module__.startswith("resonance.")]
    assert len(ours) > 20
    reflex_vars = set(rx.State.base_vars)  # Reflex's own (is_hydrated...), with Reflex's own setters
    checked = 0
    for cls in ours:
        for name in set(cls.base_vars) - reflex_vars:
            handler = cls.event_handlers.get(f"set_{name}")
            if handler is not None:
                checked += 1
                assert OURS in Path(inspect.getsourcefile(handler.fn)).resolve().parents, (cls.__name__, name)
    assert checked > 0  # the explicit setters we do write are found, so the check looks where it should
