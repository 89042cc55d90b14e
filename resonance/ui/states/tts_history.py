"""The editor's History tab: the organization's generations, newest first, 50 at a time, with delete."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core import routes
from resonance.core.errors import ResonanceError
from resonance.generations import service as generations
from resonance.generations.models import Generation
from resonance.orgs.principal import require_org
from resonance.orgs.scope import tenant_session
from resonance.storage.cleanup import remove_files
from resonance.ui import avatars, formatting
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.confirm import ConfirmState, named


PAGE_SIZE = generations.PAGE_SIZE
PREVIEW_CHARS = 200  # the row clamps to two lines; this only bounds what is sent


@dataclass(frozen=True)
class HistoryRow:
    """Display data for one row (no org ids, no storage keys)."""
    id: str
    text: str  # its start
    voice_name: str
    background: str  # the voice's avatar
    created: str  # ISO UTC
    status: str


def history_row(generation: Generation) -> HistoryRow:
    return HistoryRow(id=generation.id, text=formatting.clip(generation.text, PREVIEW_CHARS),
                      voice_name=generation.voice_name,
                      background=avatars.glass(generation.voice_id or generation.voice_name),
                      created=formatting.iso(generation.created_at), status=generation.status)


class TTSHistoryState(ConfirmState, AuthState):
    rows: list[HistoryRow] = []
    has_more: bool = False
    loading: bool = False

    def _name_for(self, action: str, item_id: str) -> str | None:
        return named(self.rows, item_id, "text") if action == "delete" else None

    def _page(self, after_id: str | None) -> list[HistoryRow]:
        p = require_org(self._principal())
        with tenant_session(p.org_id) as session:
            before = None
            if after_id:
                try:
                    before = generations.get_generation(session=session, generation_id=after_id)
                except ResonanceError:
                    before = None  # the last row shown was deleted meanwhile: start over
            found = generations.list_generations(session=session, before=before, limit=PAGE_SIZE + 1)
        self.has_more = len(found) > PAGE_SIZE
        return [history_row(g) for g in found[:PAGE_SIZE]]

    @rx.event
    def load(self):
        """The first page (on load, on opening the tab, after a generation changes)."""
        p = self._principal()
        if p is None or p.org_id is None:
            self.rows, self.has_more = [], False
            return
        try:
            shown = max(PAGE_SIZE, len(self.rows))  # keep what "Load more" already showed
            rows = self._page(None)
            while self.has_more and len(rows) < shown:
                rows += self._page(rows[-1].id)
            self.rows = rows
        except ResonanceError as error:
            return error_toast(error)

    @rx.event
    def load_more(self):
        if not self.rows or self.loading:
            return
        self.loading = True
        yield
        try:
            self.rows = self.rows + self._page(self.rows[-1].id)
        except ResonanceError as error:
            yield error_toast(error)
        finally:
            self.loading = False

    @rx.event
    def delete(self, generation_id: str):
        """Delete a generation of the actor's organization from history, then its audio files."""
        self._answered()
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                keys = generations.delete_generation(session=session, actor=p, generation_id=str(generation_id))
        except ResonanceError as error:
            return error_toast(error)
        remove_files(keys)
        self.rows = [row for row in self.rows if row.id != generation_id]
        done = rx.toast.success("Generation deleted")
        if self.router.url.path.rstrip("/").endswith(f"/{generation_id}"):
            return [done, rx.redirect(routes.TEXT_TO_SPEECH)]  # the page showed the generation just deleted
        return done
