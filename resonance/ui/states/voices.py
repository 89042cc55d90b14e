"""/voices state: the library (search and filters, in the address as `?query=&category=&language=`), what each
voice is and its matching progress (voices/labels.py), and editing and deleting custom voices.

Every handler re-derives the principal and reads through the voices service in that principal's tenant session;
the service decides who may change a voice. Vars hold display data only."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, urlencode

import reflex as rx

from resonance.core import routes
from resonance.core.config import get_settings
from resonance.core.errors import ResonanceError
from resonance.core.failures import report
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.storage.cleanup import remove_files
from resonance.ui import avatars
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.language_picker import LanguageChoice, LanguagePicker
from resonance.voices import labels, languages, service
from resonance.voices.models import Voice, VoiceCategory, VoiceVariant

log = logging.getLogger("resonance.ui.voices")

ALL = "all"  # the filters' "no filter" value (a select item cannot be empty)
CATEGORY_LABELS = {c.value: c.label for c in VoiceCategory}
NOT_CLONING = labels.ActiveEngine(clones=False, label="")


@dataclass(frozen=True)
class KindView:
    """What a voice is, as the card and the edit dialog show it. The figure never comes without its scale."""
    badge: str = ""
    sentence: str = ""
    similarity: str = ""  # empty when there is no figure
    scale: str = ""


@dataclass(frozen=True, kw_only=True)
class VoiceCard(KindView):
    """What a card shows about a voice: what it is (KindView), and the fields below."""
    id: str
    name: str
    description: str
    category: str
    category_label: str
    language: str
    flag: str  # the language's flag emoji
    region: str
    avatar: str
    preview_url: str
    preview_ready: bool  # a built-in voice's sample may still be in the making
    custom: bool
    can_manage: bool  # the user may edit and delete it
    state: str  # card_state
    matching: bool
    match_percent: int


def kind_view(kind: labels.VoiceKind) -> KindView:
    return KindView(badge=kind.badge, sentence=kind.sentence, similarity=kind.similarity_text, scale=kind.scale)


def card_state(kind: labels.VoiceKind) -> str:
    """builtin | matching | failed | ready: which line the card shows (a cloned voice is ready at once)."""
    if kind.category == labels.PREMADE:
        return "builtin"
    if kind.ready:
        return "ready"
    return "matching" if kind.match.pending else "failed"


def voice_view(voice: Voice, p: Principal, *, engine: labels.ActiveEngine = NOT_CLONING) -> VoiceCard:
    custom = voice.variant == VoiceVariant.CUSTOM
    kind = labels.describe(voice, clones=engine.clones, engine=engine.label)
    state = card_state(kind)
    return VoiceCard(
        id=voice.id,
        name=voice.name,
        description=voice.description or "",
        category=voice.category,
        category_label=CATEGORY_LABELS.get(voice.category, voice.category.title()),
        language=voice.language,
        flag=languages.flag(voice.language),
        region=languages.region_name(voice.language),
        avatar=avatars.glass(voice.id),
        preview_url=f"{get_settings().API_URL}/api/voices/{voice.id}",
        preview_ready=voice.object_key is not None,
        custom=custom,
        can_manage=custom and (p.is_admin or voice.created_by == p.user_id),
        state=state,
        matching=state == "matching",
        match_percent=round(kind.match.progress * 100) if kind.match else 0,
        **asdict(kind_view(kind)),
    )


def _first(params: dict[str, list[str]], name: str) -> str:
    return (params.get(name) or [""])[0]


class VoicesState(LanguagePicker, AuthState):
    query: str = ""
    category: str = ALL
    language: str = ALL
    team: list[VoiceCard] = []
    builtin: list[VoiceCard] = []
    language_choices: list[LanguageChoice] = []
    loaded: bool = False
    # Delete confirmation
    delete_id: str = ""
    delete_name: str = ""
    deleting: bool = False
    # Edit dialog (the language comes from LanguagePicker)
    edit_id: str = ""
    edit_name: str = ""
    edit_category: str = VoiceCategory.GENERAL.value
    edit_description: str = ""
    edit_error: str = ""
    edit_kind: KindView = KindView()

    @rx.var
    def matching(self) -> bool:
        return any(v.matching for v in self.team)

    @rx.var
    def waiting(self) -> bool:
        """Something on the page is still being made: a voice's match or a built-in voice's preview."""
        return self.matching or not all(v.preview_ready for v in self.builtin)

    @rx.var
    def filtered(self) -> bool:
        return bool(self.query.strip()) or self.category != ALL or self.language != ALL

    # Loading

    @rx.event
    def load(self):
        """on_load (after the guard). The address alone says which filters apply (`?query=`, `?category=`,
        `?language=`; none when absent), so a list is never filtered by controls of an earlier visit (the create
        dialog reads its own `?create=1`: `VoiceCreateState.load`)."""
        params = parse_qs(self.router.url.query or "")
        self.query = _first(params, "query")[:200]
        category, language = _first(params, "category"), _first(params, "language")
        self.category = category if category in CATEGORY_LABELS else ALL
        self.language = language if languages.is_known(language) else ALL
        p = self._principal()
        if p is None or p.org_id is None:
            return
        self._reload(p)
        self.loaded = True
        return self._sync_url()

    def _reload(self, p: Principal) -> None:
        category = self.category if self.category in CATEGORY_LABELS else ""
        language = self.language if self.language != ALL else ""
        engine = labels.active_engine()
        with tenant_session(p.org_id) as session:
            lists = service.list_voices(session=session, query=self.query, category=category, language=language)
            everything = service.list_voices(session=session)
            self.team = [voice_view(v, p, engine=engine) for v in lists.custom]
            self.builtin = [voice_view(v, p, engine=engine) for v in lists.system]
            present = sorted({v.language for v in [*everything.custom, *everything.system]},
                             key=languages.region_name)
        self.language_choices = [LanguageChoice(value=tag, label=f"{languages.flag(tag)} {languages.region_name(tag)}")
                                 for tag in present]

    def _refresh(self):
        p = self._principal()
        if p is None or p.org_id is None:
            return rx.redirect(routes.sign_in(routes.VOICES), replace=True)
        self._reload(p)

    def _sync_url(self):
        """Keep the search and filters in the address bar, without a navigation."""
        filters = {"query": self.query, "category": self.category, "language": self.language}
        shown = urlencode({name: value for name, value in filters.items() if value and value != ALL})
        url = routes.VOICES + (f"?{shown}" if shown else "")
        return rx.call_script(f"window.history.replaceState(window.history.state, '', {json.dumps(url)})")

    def _apply(self):
        """The list for the current search and filters, and the address that says them."""
        return [e for e in (self._refresh(), self._sync_url()) if e is not None]

    # Search and filters

    @rx.event
    def search(self, text: str):
        self.query = str(text)[:200]
        return self._apply()

    @rx.event
    def clear_search(self):
        return self.search("")

    @rx.event
    def set_category(self, value: str):
        self.category = value if value in CATEGORY_LABELS else ALL
        return self._apply()

    @rx.event
    def set_language(self, value: str):
        self.language = value if languages.is_known(str(value)) else ALL
        return self._apply()

    @rx.event
    def clear_filters(self):
        self.category = self.language = ALL
        return self.search("")

    @rx.event
    def refresh(self):
        return self._refresh()

    @rx.event
    def tick(self, _now: str = ""):
        """Every second while something is being made: fresh progress, results and previews."""
        if self.waiting:
            return self._refresh()

    # Delete

    @rx.event
    def ask_delete(self, voice_id: str):
        voice = next((v for v in self.team if v.id == voice_id), None)
        if voice is not None:
            self.delete_id, self.delete_name = voice.id, voice.name

    @rx.event
    def cancel_delete(self, open_: bool = False):
        if not open_ and not self.deleting:
            self.delete_id = self.delete_name = ""

    @rx.event
    def confirm_delete(self):
        if not self.delete_id or self.deleting:
            return
        self.deleting = True
        yield
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                keys = service.delete_voice(session=session, actor=p, voice_id=self.delete_id)
        except ResonanceError as error:  # gone already, or not ours to delete: say so and show the list as it is
            self.deleting, self.delete_id, self.delete_name = False, "", ""
            yield [rx.toast.error(str(error) or "Failed to delete voice"), VoicesState.refresh]
            return
        except Exception as error:  # noqa: BLE001 - the database failed: say so, keep the dialog for another try
            message = report(log, error, "Failed to delete voice.", "deleting voice %s failed", self.delete_id)
            self.deleting = False
            yield rx.toast.error(message)
            return
        remove_files(keys)  # after the commit: a failed delete leaves files, never a row without them
        self.deleting, self.delete_id, self.delete_name = False, "", ""
        self._reload(p)
        yield rx.toast.success("Voice deleted successfully")

    # Edit

    @rx.event
    def open_edit(self, voice_id: str):
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                voice = service.get_custom_voice(session=session, actor=p, voice_id=str(voice_id))
                self.edit_id, self.edit_name = voice.id, voice.name
                self.edit_category, self.edit_description = voice.category, voice.description or ""
                engine = labels.active_engine()
                self.edit_kind = kind_view(labels.describe(voice, clones=engine.clones, engine=engine.label))
                self._lang_reset(voice.language)
        except ResonanceError as error:
            return error_toast(error)
        self.edit_error = ""

    @rx.event
    def close_edit(self, open_: bool = False):
        if not open_:
            self.edit_id, self.edit_error = "", ""

    @rx.event
    def save_edit(self, form: dict):
        if not self.edit_id:
            return
        fields = service.VoiceFields(
            name=str(form.get("edit-name", "")), category=str(form.get("edit-category") or self.edit_category),
            language=self.lang_value, description=str(form.get("edit-description", "")),
        )
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                service.update_voice(session=session, actor=p, voice_id=self.edit_id, fields=fields)
        except ResonanceError as error:
            self.edit_error = str(error)
            return
        self.edit_id, self.edit_error = "", ""
        self._reload(p)
        return rx.toast.success("Voice updated successfully")
