"""Nothing of an earlier visit shows as if it were now: the dashboard's counter counts the box, the create-voice
dialog opens only when asked, the voice filters that apply are those the address says, and Generate stays off while
the generation the editor shows is still being spoken, and Cancel stops it (on SQLite and PostgreSQL).

Events run as Reflex runs them from the websocket: one tab's state tree (so a page's state and the dialog's are the
same objects from visit to visit), the session cookie of its handshake and the address of the page it is on."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from reflex import constants
from reflex.state import State
from sqlmodel import select

from resonance.core.config import get_settings
from resonance.generations.models import Generation
from resonance.orgs.models import Organization
from resonance.orgs.scope import system_session
from resonance.ui.pages.home import home_page
from resonance.ui.states.generation import GenerationState
from resonance.ui.states.home import HomeState
from resonance.ui.states.tts import TTSState
from resonance.ui.states.voice_create import VoiceCreateState
from resonance.ui.states.voices import ALL, VoicesState
from resonance.voices.models import Voice
from tests.factories import all_rows, make_generation, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.conftest import ready_voice
from tests.ui.states.events import fire


@pytest.fixture
def token(db, monkeypatch):
    from resonance.ui.states import tts

    monkeypatch.setattr(tts, "get_engine", lambda: ToneEngine())
    admin = make_user(name="Ada Admin")
    _, cookie = signed_in(admin, make_org(admin=admin, name="Acme"))
    return cookie


class Tab:
    """One browser tab: its state tree lives across its visits, as Reflex keeps it for the tab's token."""

    def __init__(self, token: str):
        self.root = State(_reflex_internal_init=True)
        self.token = token

    def state(self, cls):
        return self.root.get_substate(cls.get_full_name().split(".")[1:])

    def visit(self, address: str, cls, handler: str = "load", **payload):
        """Be on `address` and run `handler` of `cls` (its on_load by default); what it sends back, as text."""
        state = self.state(cls)
        headers = {"cookie": f"{get_settings().SESSION_COOKIE_NAME}={self.token}", "origin": "http://app.test"}
        state._update_router_vars({constants.RouteVar.HEADERS: headers, constants.RouteVar.ORIGIN: address,
                                   constants.RouteVar.PATH: urlsplit(address).path,
                                   constants.RouteVar.CLIENT_IP: "203.0.113.9"}, {})
        return fire(state, handler, **payload)


# 1. The dashboard's counter


def test_the_dashboard_counter_counts_the_box_on_every_visit(token):
    tab = Tab(token)
    tab.visit("/", HomeState)
    tab.visit("/", HomeState, "set_text", value="Hello there.")
    home = tab.state(HomeState)
    assert home.counter == "12 / 5,000 characters" and not home.text_empty
    tab.visit("/", HomeState)  # away and back: the box is a new, empty one
    assert (home.text, home.counter, home.text_empty) == ("", "0 / 5,000 characters", True)
    tab.visit("/", HomeState, "set_text", value="Again")
    tab.visit("/", HomeState, "set_text", value="")  # cleared
    assert home.counter == "0 / 5,000 characters" and home.text_empty


def test_the_quick_box_shows_the_text_the_counter_counts():
    rendered = str(home_page())
    box = rendered[rendered.index('id:"quick-text"'):]
    box = box[:box.index("jsx(")]  # up to the next component
    assert f"value:{HomeState.text!s}" in box, box


# 2. The create-voice dialog


def test_the_create_dialog_opens_only_when_asked_and_never_again_by_itself(token):
    tab = Tab(token)
    dialog = tab.state(VoiceCreateState)

    def arrive(address: str) -> str:  # the page's on_load: the dialog's, then the list's
        return tab.visit(address, VoiceCreateState) + tab.visit(address, VoicesState)

    arrive("/voices")
    assert dialog.open is False
    arrive("/voices?create=1")  # "Voice cloning" in the sidebar asks for it
    assert dialog.open is True
    said = tab.visit("/voices?create=1", VoicesState, "search", text="")
    assert "create" not in said  # the address no longer asks for it once it is open
    arrive("/voices")  # left with it open (back button, a toast's link) and came back
    assert dialog.open is False
    tab.visit("/voices", VoiceCreateState, "open_dialog")  # the person opens it
    dialog.name_error = "Voice name is required"
    tab.visit("/voices", VoiceCreateState, "set_open", value=False)
    arrive("/voices")
    assert (dialog.open, dialog.name_error) == (False, "")


# 3. The voice filters


def test_filters_come_from_the_address_and_the_address_shows_them(token):
    for name, category in (("Aaron", "NARRATIVE"), ("Anaya", "CUSTOMER_SERVICE")):
        with system_session() as session:
            session.get(Voice, ready_voice(name=name).id).category = category
    tab = Tab(token)
    voices = tab.state(VoicesState)
    tab.visit("/voices", VoicesState)
    everything = [v.name for v in voices.builtin]
    assert sorted(everything) == ["Aaron", "Anaya"]
    said = tab.visit("/voices", VoicesState, "set_category", value="CUSTOMER_SERVICE")
    assert "/voices?category=CUSTOMER_SERVICE" in said
    said = tab.visit("/voices", VoicesState, "set_language", value="en-US")
    assert "/voices?category=CUSTOMER_SERVICE&language=en-US" in said
    said = tab.visit("/voices", VoicesState, "search", text="calm")
    assert "/voices?query=calm&category=CUSTOMER_SERVICE&language=en-US" in said
    tab.visit("/voices", VoicesState)  # away and back by the sidebar: no filter, none shown
    assert (voices.query, voices.category, voices.language, voices.filtered) == ("", ALL, ALL, False)
    assert [v.name for v in voices.builtin] == everything
    said = tab.visit("/voices?category=CUSTOMER_SERVICE&language=xx-XX", VoicesState)  # a link that asks for some
    assert (voices.category, voices.language) == ("CUSTOMER_SERVICE", ALL)
    assert "/voices?category=CUSTOMER_SERVICE" in said and "language=" not in said
    assert [v.name for v in voices.builtin] == ["Anaya"]


# 4. Generate while its job runs


def test_generate_is_off_while_the_generation_it_shows_is_spoken(token):
    tab = Tab(token)
    tts = tab.state(TTSState)
    generation = make_generation(_only_org(), ready_voice())  # queued
    tab.visit(f"/text-to-speech/{generation.id}", GenerationState)
    assert tab.state(GenerationState).active and tts.text == "Hello there."
    assert tts.job_running and not tts.can_generate
    tab.visit(f"/text-to-speech/{generation.id}", TTSState, "generate")
    assert [g.id for g in all_rows(Generation)] == [generation.id]  # a crafted click queues nothing
    with system_session() as session:
        session.get(Generation, generation.id).status = "done"
    tab.visit(f"/text-to-speech/{generation.id}", GenerationState)
    assert not tts.job_running and tts.can_generate
    make_generation(_only_org(), ready_voice(name="Brian"))
    tab.visit("/text-to-speech", TTSState)  # the plain editor shows no job
    assert not tts.job_running


def _only_org() -> Organization:
    with system_session() as session:
        return session.exec(select(Organization)).one()


def test_cancel_stops_the_job_the_page_shows_and_generate_comes_back(token):
    tab = Tab(token)
    tts, page = tab.state(TTSState), tab.state(GenerationState)
    generation = make_generation(_only_org(), ready_voice())
    tab.visit(f"/text-to-speech/{generation.id}", GenerationState)
    said = tab.visit(f"/text-to-speech/{generation.id}", GenerationState, "cancel")
    assert "Generation cancelled" in said
    assert (page.status, page.active, page.cancelling) == ("cancelled", False, False)
    assert not tts.job_running and tts.can_generate
    assert [g.status for g in all_rows(Generation)] == ["cancelled"]
    said = tab.visit(f"/text-to-speech/{generation.id}", GenerationState, "cancel")  # nothing left to stop
    assert [g.status for g in all_rows(Generation)] == ["cancelled"] and "cancelled" not in said.lower()
