"""The "Create custom voice" dialog: the sample (uploaded or recorded, kept in the browser by assets/voice_tools.js),
the fields, and the upload to POST /api/voices/create, which checks everything again and decodes the audio itself.

The file never passes through this state: the browser sends it as the raw request body and hands the JSON answer
back to `created`. Vars hold only what the dialog shows."""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, urlencode

import reflex as rx

from resonance.core.config import get_settings
from resonance.core.errors import Invalid, SubscriptionRequired
from resonance.orgs.principal import require_org
from resonance.ui.states.auth import AuthState
from resonance.ui.states.billing import subscription_toast
from resonance.ui.states.language_picker import LanguagePicker
from resonance.ui.states.voices import VoicesState
from resonance.voices import service
from resonance.voices.models import VoiceCategory

FILE_INPUT = "voice-file"
TOOLS = "window.resonanceVoice"
MIC_ERRORS = {
    "denied": "Microphone access denied. Please allow microphone access in your browser settings.",
    "failed": "Failed to access microphone. Please check your device.",
}


def file_size(size: int) -> str:
    """`512 B`, `3.4 KB`, `12.5 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def speech_hint(min_speech_seconds: float) -> str:
    """What the record tab asks for before recording: the server counts only voiced time, so half as much again
    leaves room for pauses."""
    least = math.ceil(min_speech_seconds)
    if least <= 0:
        return "Record a few seconds of you talking."
    return f"Record at least {least} seconds of you talking; about {math.ceil(least * 1.5)} seconds is safest."


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class VoiceCreateState(LanguagePicker, AuthState):
    open: bool = False
    tab: str = "upload"
    upload_name: str = ""
    upload_size: str = ""
    record_state: str = "idle"  # idle | starting | recording | saving | done | error
    record_error: str = ""
    record_size: str = ""
    record_length: str = ""
    name_error: str = ""
    file_error: str = ""
    error: str = ""
    submitting: bool = False

    @rx.var
    def max_bytes(self) -> int:
        return get_settings().VOICE_MAX_BYTES

    @rx.var
    def record_hint(self) -> str:
        s = get_settings()
        return speech_hint(max(s.VOICE_MIN_SPEECH_SECONDS, s.VOICE_MIN_SECONDS))

    # Opening and closing

    def _clear(self) -> None:
        self.tab, self.upload_name, self.upload_size = "upload", "", ""
        self.record_state, self.record_error, self.record_size, self.record_length = "idle", "", "", ""
        self.name_error = self.file_error = self.error = ""
        self.submitting = False
        self._lang_reset()

    def show(self, open_: bool):
        """Open or close the dialog afresh: nothing of an earlier opening (fields, sample, errors) stays."""
        self._clear()
        self.open = open_
        return rx.call_script(f"{TOOLS}?.reset()")

    @rx.event
    def load(self):
        """on_load of the voices page: open only when the address asks for it (`?create=1`, the sidebar's
        "Voice cloning"), closed on every other visit."""
        return self.show(parse_qs(self.router.url.query or "").get("create", [""])[0] == "1")

    @rx.event
    def open_dialog(self):
        return self.show(True)

    @rx.event
    def set_open(self, value: bool):
        if value:
            return self.open_dialog()
        if self.submitting:
            return  # the upload is under way; its answer closes the dialog
        return self.show(False)

    @rx.event
    def set_tab(self, value: str):
        if value in ("upload", "record"):
            self.tab = value
            self.file_error = self.error = ""
            return rx.call_script(f"{TOOLS}.stopPlayback()")

    # Upload tab

    @rx.event
    def choose_file(self):
        """The file input changed: the browser keeps the file and says what it is (or that it is too large)."""
        return rx.call_script(f"{TOOLS}.pick({FILE_INPUT!r}, {self.max_bytes})", callback=VoiceCreateState.file_chosen)

    @rx.event
    def file_chosen(self, info: dict | None):
        if not info:
            return
        if info.get("error"):
            self.upload_name, self.upload_size, self.file_error = "", "", str(info["error"])
            return
        self.upload_name, self.upload_size = str(info.get("name", ""))[:200], file_size(int(info.get("size") or 0))
        self.file_error = self.error = ""

    @rx.event
    def remove_file(self):
        self.upload_name = self.upload_size = ""
        return rx.call_script(f"{TOOLS}.removeFile('upload', {FILE_INPUT!r})")

    # Record tab

    @rx.event
    def start_recording(self):
        self.record_state, self.record_error, self.file_error = "starting", "", ""
        return rx.call_script(f"{TOOLS}.startRecording()", callback=VoiceCreateState.recording_started)

    @rx.event
    def recording_started(self, result: dict | None):
        if result and result.get("ok"):
            self.record_state = "recording"
            return
        self.record_state = "error"
        self.record_error = MIC_ERRORS.get(str((result or {}).get("error")), MIC_ERRORS["failed"])

    @rx.event
    def stop_recording(self):
        self.record_state = "saving"
        return rx.call_script(f"{TOOLS}.stopRecording()", callback=VoiceCreateState.recording_stopped)

    @rx.event
    def recording_stopped(self, info: dict | None):
        if not info or info.get("error"):
            self.record_state, self.record_error = "error", MIC_ERRORS["failed"]
            return
        self.record_state = "done"
        self.record_size = file_size(int(info.get("size") or 0))
        self.record_length = _clock(float(info.get("duration") or 0))
        self.file_error = self.error = ""

    @rx.event
    def discard_recording(self):
        """Remove (and Re-record starts again from idle)."""
        self.record_state, self.record_error, self.record_size, self.record_length = "idle", "", "", ""
        return rx.call_script(f"{TOOLS}.cancelRecording().then(() => {TOOLS}.removeFile('record'))")

    # Submit

    @rx.var
    def has_file(self) -> bool:
        return bool(self.upload_name) if self.tab == "upload" else self.record_state == "done"

    @rx.event
    def submit(self, form: dict):
        if self.submitting:
            return
        name = str(form.get("voice-name", "")).strip()
        self.name_error = "" if name else "Voice name is required"
        self.file_error = "" if self.has_file else "Audio file is required"
        self.error = ""
        if self.name_error or self.file_error:
            return
        fields = service.VoiceFields(name=name, category=str(form.get("category") or VoiceCategory.GENERAL.value),
                                     language=self.lang_value, description=str(form.get("voice-description", "")))
        try:
            require_org(self._principal())
            clean = service.validate_fields(fields)
        except Invalid as error:
            self.error = str(error)
            return
        except Exception:  # noqa: BLE001 - signed out or no organization: the server says the same
            self.error = "You need to be signed in to an organization to create a voice."
            return
        params = {"name": clean.name, "category": clean.category, "language": clean.language}
        if clean.description:
            params["description"] = clean.description
        url = f"{get_settings().API_URL}/api/voices/create?{urlencode(params)}"
        self.submitting = True
        return rx.call_script(f"{TOOLS}.create({json.dumps(url)}, {json.dumps(self.tab)})",
                              callback=VoiceCreateState.created)

    @rx.event
    def created(self, result: dict | None):
        self.submitting = False
        status = int((result or {}).get("status") or 0)
        body = (result or {}).get("body") or {}
        if status == 201:
            self.open = False
            self._clear()
            return [rx.toast.success(body.get("message") or "Voice created successfully!"),
                    rx.call_script(f"{TOOLS}.reset()"), VoicesState.refresh]
        issues = body.get("issues") if isinstance(body, dict) else None
        if issues and isinstance(issues, list) and isinstance(issues[0], dict) and issues[0].get("message"):
            self.error = str(issues[0]["message"])
        elif status == SubscriptionRequired.status:
            self.error = "Subscription required"
            p = self._principal()  # who is asking decides the toast's action: Subscribe, or ask an Admin
            return subscription_toast(bool(p and p.is_admin))
        elif isinstance(body, dict) and body.get("error"):
            self.error = str(body["error"])[:300]
        else:
            self.error = "Failed to create voice. Please try again."
