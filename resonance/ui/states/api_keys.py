"""/settings/api-keys state: the organization's API keys (Admins), creating one (its secret shown once) and revoking.

Each handler re-derives the principal and runs `orgs.api_keys` in its tenant session; the service refuses
non-Admins anyway. The new secret lives in `new_secret` only until the dialog showing it is closed."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.core import routes
from resonance.core.config import get_settings
from resonance.core.errors import ResonanceError
from resonance.orgs import api_keys
from resonance.orgs.api_keys import KeyView
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.ui import formatting
from resonance.ui.states.auth import AuthState, error_toast
from resonance.ui.states.confirm import ConfirmState, named

FORM_ID = "api-key-form"


@dataclass(frozen=True)
class KeyRow:
    """Display data for one key (never its digest)."""
    id: str
    name: str
    prefix: str
    created_by: str
    created: str  # ISO UTC
    last_used: str  # ISO UTC; empty when never used
    status: str  # active | revoked


def key_row(view: KeyView) -> KeyRow:
    return KeyRow(id=view.id, name=view.name, prefix=f"{view.prefix}…", created_by=view.created_by or "Deleted user",
                  created=formatting.iso(view.created_at), last_used=formatting.iso(view.last_used_at),
                  status="revoked" if view.revoked_at else "active")


class ApiKeysState(ConfirmState, AuthState):
    keys: list[KeyRow] = []
    new_secret: str = ""  # shown once, in the dialog after creating
    new_name: str = ""
    base_url: str = ""  # where API clients point (base_url of the SDKs)

    def _load(self, p: Principal) -> None:
        with tenant_session(p.org_id) as session:
            self.keys = [key_row(v) for v in api_keys.list_keys(session=session, actor=p)]

    def _name_for(self, action: str, item_id: str) -> str | None:
        return named(self.keys, item_id, "name") if action == "revoke" else None

    @rx.event
    def load(self):
        """on_load (after the guard): Admins see the keys; Members are sent home, as on the billing page."""
        self.new_secret = self.new_name = ""
        self.base_url = get_settings().API_URL
        if (p := self._member()) is None:
            return  # the guard before this handler redirects
        if not p.is_admin:
            self.keys = []
            return [rx.redirect(routes.HOME, replace=True), rx.toast.error("Only admins can manage API keys.")]
        try:
            self._load(p)
        except ResonanceError as error:
            return error_toast(error)

    @rx.event
    def create(self, form: dict):
        name = str(form.get("name", ""))
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                created = api_keys.create_key(session=session, actor=p, name=name)
                secret, key_name = created.secret, created.key.name
            self._load(p)
        except ResonanceError as error:
            return error_toast(error)
        self.new_secret, self.new_name = secret, key_name
        return rx.call_script(f"document.getElementById({FORM_ID!r})?.reset()")

    @rx.event
    def copy_secret(self):
        if self.new_secret:
            return [rx.set_clipboard(self.new_secret), rx.toast.success("Key copied to the clipboard.")]

    @rx.event
    def close_secret(self, open_: bool = False):
        if not open_:
            self.new_secret = self.new_name = ""

    @rx.event
    def revoke(self, key_id: str):
        self._answered()
        try:
            p = require_org(self._principal())
            with tenant_session(p.org_id) as session:
                api_keys.revoke_key(session=session, actor=p, key_id=str(key_id))
            self._load(p)
        except ResonanceError as error:
            return error_toast(error)
        return rx.toast.success("Key revoked. Requests with it are refused from now on.")


class ApiDocsState(AuthState):
    """/docs/api: only the base URL is dynamic (the rest of the page is static text)."""

    base_url: str = ""

    @rx.event
    def load(self):
        self.base_url = get_settings().API_URL

    @rx.var
    def curl_example(self) -> str:
        return (f'curl -X POST "{self.base_url}/v1/text-to-speech/VOICE_ID?output_format=mp3_44100_128" \\\n'
                '  -H "xi-api-key: $RESONANCE_API_KEY" -H "Content-Type: application/json" \\\n'
                '  -d \'{"text": "Hello from Resonance.", "model_id": "resonance_v1"}\' --output hello.mp3')

    @rx.var
    def python_example(self) -> str:
        return ("import os\nfrom elevenlabs import ElevenLabs\n\n"
                f'client = ElevenLabs(api_key=os.environ["RESONANCE_API_KEY"], base_url="{self.base_url}")\n\n'
                "voice = client.voices.get_all().voices[0]\n"
                "audio = client.text_to_speech.convert(voice.voice_id, text=\"Hello from Resonance.\",\n"
                "                                      output_format=\"mp3_44100_128\")\n"
                "with open(\"hello.mp3\", \"wb\") as out:\n"
                "    for chunk in audio:\n"
                "        out.write(chunk)\n\n"
                "# Streaming: audio arrives while the rest of the text is being spoken\n"
                "for chunk in client.text_to_speech.stream(voice.voice_id, text=\"A longer story...\",\n"
                "                                          output_format=\"pcm_24000\"):\n"
                "    play(chunk)  # raw 16-bit little-endian mono samples at 24 kHz\n")
