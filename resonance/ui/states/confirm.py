"""Asking before a destructive action: the first click only records what would be done to what, and the page shows a
question naming it; the confirm button then calls the action's own handler with that id.

A mixin, so each page state has its own question. The question is only for the person clicking: the action's handler
re-derives the principal and its service decides, as for any event."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx

from resonance.ui import formatting

NAME_CHARS = 80  # a generation is named by its text; the question quotes its start


def named(rows: Sequence[object], item_id: str, field: str) -> str | None:
    """The `field` of the shown row with `item_id`, or None when the page does not show it. Rows are the page states'
    typed rows: each has an `id`."""
    return next((formatting.clip(getattr(row, field), NAME_CHARS) for row in rows if getattr(row, "id") == item_id),
                None)


class ConfirmState(rx.State, mixin=True):
    confirm_action: str = ""  # the handler the question is about, e.g. "revoke_invitation"
    confirm_id: str = ""
    confirm_name: str = ""  # what the question calls the thing

    def _name_for(self, action: str, item_id: str) -> str | None:
        """The name of a row this page shows for `action`; None for anything else. Each page state says."""
        raise NotImplementedError

    @rx.event
    def ask(self, action: str, item_id: str):
        name = self._name_for(str(action), str(item_id))
        if name is not None:  # otherwise the row is gone meanwhile, or the event was made up: nothing to ask
            self.confirm_action, self.confirm_id, self.confirm_name = str(action), str(item_id), name

    @rx.event
    def cancel_confirm(self, open_: bool = False):
        """The dialog's Cancel, Escape or a click outside it: forget the question, do nothing."""
        if not open_:
            self._answered()

    def _answered(self) -> None:
        """Called by the action's handler as it runs, so the dialog closes whatever the service says."""
        self.confirm_action = self.confirm_id = self.confirm_name = ""
