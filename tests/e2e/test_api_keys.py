"""API keys in Chromium, used by the official `elevenlabs` SDK against the same running app.

An Admin creates a key at /settings/api-keys: the secret is shown once, the copy button puts it on the clipboard;
the SDK pointed at the app lists voices and speaks with it (real Kokoro), the list then shows when it was used, and
after revoking it in the page the SDK gets 401. A Member is sent away from the page; the API page shows the base URL.
"""

from __future__ import annotations

import subprocess

import pytest
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError

from .e2e_support import ROOT, RunningApp, _python, signed_in

pytestmark = pytest.mark.e2e

# A built-in voice with a sample, straight through the model (seeding all 20 would synthesise their previews).
ADD_VOICE = """
import numpy as np
import resonance.models
from resonance.orgs.scope import system_session
from resonance.speech import audio
from resonance.storage import get_storage
from resonance.voices.models import Voice, VoiceVariant
from sqlmodel import select
with system_session() as session:  # once per app: the seed's library test counts exactly 20 built-in voices
    if session.exec(select(Voice).where(Voice.name == "Evelyn", Voice.variant == VoiceVariant.SYSTEM)).first() is None:
        session.add(Voice(name="Evelyn", variant=VoiceVariant.SYSTEM, engine_voice='"af_heart"', match_status="done",
                          object_key="voices/system/e2e-evelyn"))
get_storage().put("voices/system/e2e-evelyn", audio.to_wav(np.zeros(2400, np.float32), 24000), "audio/wav")
"""


def add_voice(app: RunningApp) -> None:
    """The built-in voice Evelyn with a short sample, in the app's database and storage (idempotent)."""
    done = subprocess.run([_python(), "-c", ADD_VOICE], cwd=ROOT, env=app.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_admin_creates_copies_uses_and_revokes_a_key(app: RunningApp, new_browser):
    seeded = app.seed({"users": {"ada": "Ada Admin", "mel": "Mel Member"},
                       "orgs": {"acme": {"name": "Acme API", "admin": "ada", "members": ["mel"]}},
                       "active": {"ada": "acme", "mel": "acme"}})
    add_voice(app)

    b = signed_in(new_browser, seeded["users"]["ada"]["cookie"])
    b.open("/settings/api-keys")
    b.wait_text("#api-base-url", app.url)
    b.fill("#api-key-name", "CI script")
    b.click("#api-key-create")
    shown = b.wait(lambda d: (t := b.element("#api-key-secret").text.strip()).startswith("rsk_") and t,
                   "the new key's secret")

    # Copy: what lands on the clipboard is the secret shown.
    b.driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": app.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    b.click("#api-key-copy")
    copied = b.wait(lambda d: d.execute_async_script(
        "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(''))"), "the clipboard")
    assert copied == shown
    b.click("#api-key-done")
    b.wait(lambda d: b.absent("#api-key-secret"), "the secret to be gone from the page")
    row = ".api-key-row[data-name='CI script']"
    b.wait_text(f"{row} .api-key-prefix", shown[:12] + "…")
    b.wait_text(f"{row} .api-key-last-used", "Never")

    # The SDK, pointed at the app, with the copied key.
    client = ElevenLabs(api_key=copied, base_url=app.url, timeout=120)
    voices = client.voices.get_all().voices
    assert [(v.name, v.category) for v in voices] == [("Evelyn", "premade")]
    pcm = b"".join(client.text_to_speech.convert(voices[0].voice_id, text="Hello from the API.",
                                                 output_format="pcm_24000"))
    assert len(pcm) > 2 * 24000 // 2  # over half a second of 16-bit speech
    [item] = client.history.list().history
    assert (item.text, item.voice_name, item.state) == ("Hello from the API.", "Evelyn", "created")
    b.open("/settings/api-keys")
    b.wait_text(f"{row} .api-key-last-used", "less than a minute ago")

    # Revoke in the page: the SDK is refused from then on.
    b.click(f"{row} .api-key-revoke")
    b.wait_text("[role=alertdialog]", 'Revoke the API key "CI script"?')
    b.click("#api-key-revoke-confirm")
    b.wait(lambda d: b.element(row).get_attribute("data-status") == "revoked", "the key to show as revoked")
    with pytest.raises(ApiError) as refused:
        client.voices.get_all(request_options={"max_retries": 0})
    assert refused.value.status_code == 401

    # The API page shows where clients point.
    b.open("/docs/api")
    b.wait_text("#api-docs-base-url", app.url)

    # A Member has no API keys page.
    m = signed_in(new_browser, seeded["users"]["mel"]["cookie"])
    m.open("/settings/api-keys")
    m.wait_path("/")
    m.wait_text("[data-sonner-toast]", "Only admins can manage API keys.")
    m.element("a[href='/docs/api']")  # the sidebar is there, with the API page for everyone…
    assert m.absent("a[href='/settings/api-keys']")  # …and no API keys link
