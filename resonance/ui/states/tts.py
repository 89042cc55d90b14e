"""Text-to-speech editor state: the text, the voice select, the sliders and Speed, and queueing a generation.

The voices, the engine's capabilities and every value sent are re-read or re-checked on the server: the browser only
chooses among the voices this organization may use, and the service refuses anything else."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.billing.service import billing_enabled
from resonance.core import routes
from resonance.core.errors import Invalid, ResonanceError
from resonance.generations import service as generations
from resonance.generations.submit import submit_generation
from resonance.orgs.principal import Principal, require_org
from resonance.orgs.scope import tenant_session
from resonance.speech.engine import PARAM_RANGES, SLIDERS, Capabilities, SpeechParams
from resonance.speech.registry import get_engine
from resonance.ui import avatars
from resonance.ui.samples import SAMPLES
from resonance.ui.states import billing as billing_ui
from resonance.ui.states.auth import AuthState, error_toast
from resonance.voices.models import Voice, VoiceCategory
from resonance.voices.service import list_voices

MAX_CHARS = generations.MAX_CHARS
UNAVAILABLE = "unavailable"  # the select's value for a voice that was deleted or cannot speak now
PARAMS = (*SLIDERS, "speed")
DEFAULTS = {name: PARAM_RANGES[name][3] for name in PARAMS}


@dataclass(frozen=True)
class VoiceOption:
    """What the select shows of a voice: display data only."""
    id: str
    name: str
    label: str  # name - category
    background: str  # the voice's avatar


def voice_option(voice: Voice) -> VoiceOption:
    try:
        category = VoiceCategory(voice.category).label
    except ValueError:
        category = voice.category.title()
    return VoiceOption(id=voice.id, name=voice.name, label=f"{voice.name} - {category}",
                       background=avatars.glass(voice.id))


def ignored_note(engine_label: str, params: list[str], supports_speed: bool) -> str:
    """Plainly, which controls the current engine ignores (their values are still sent and stored)."""
    ignored = [PARAM_RANGES[name][0] for name in SLIDERS if name not in params]
    if not supports_speed:
        ignored.append("Speed")
    if not ignored or not engine_label:
        return ""
    if len(ignored) == 1:
        return (f"The current engine, {engine_label}, ignores {ignored[0]}: the value does not change its audio, "
                f"but it is saved with each generation.")
    names = f"{', '.join(ignored[:-1])} and {ignored[-1]}"
    return (f"The current engine, {engine_label}, ignores {names}: the values do not change its audio, but they "
            f"are saved with each generation.")


def generation_url(generation_id: str) -> str:
    return f"{routes.TEXT_TO_SPEECH}/{generation_id}"


class TTSState(AuthState):
    text: str = ""
    voice_id: str = ""
    custom_voices: list[VoiceOption] = []
    system_voices: list[VoiceOption] = []
    temperature: float = DEFAULTS["temperature"]
    top_p: float = DEFAULTS["top_p"]
    top_k: int = int(DEFAULTS["top_k"])
    repetition_penalty: float = DEFAULTS["repetition_penalty"]
    speed: float = DEFAULTS["speed"]
    engine_label: str = ""
    engine_params: list[str] = []  # which of the four sliders the active engine uses
    supports_speed: bool = True
    submitting: bool = False
    job_running: bool = False  # the generation this editor shows is still queued or being spoken
    form_key: int = 0  # bumped when the server fills the form, so the uncontrolled sliders remount

    # Display

    @rx.var
    def text_empty(self) -> bool:
        return not self.text.strip()

    @rx.var
    def estimate(self) -> str:
        """The cost badge; empty (no badge) when billing is off."""
        return billing_ui.text_estimate(self.text) if billing_enabled() else ""

    @rx.var
    def counter(self) -> str:
        return f"{len(self.text):,} / {MAX_CHARS:,} characters"

    @rx.var
    def values_text(self) -> dict[str, str]:
        return {"temperature": f"{self.temperature:.1f}", "top_p": f"{self.top_p:.2f}", "top_k": f"{self.top_k:,}",
                "repetition_penalty": f"{self.repetition_penalty:.1f}", "speed": f"{self.speed:.2f}×"}

    @rx.var
    def voice_unavailable(self) -> bool:
        return self.voice_id == UNAVAILABLE

    @rx.var
    def can_generate(self) -> bool:
        return (bool(self.text.strip()) and self.voice_id not in ("", UNAVAILABLE) and not self.submitting
                and not self.job_running)

    @rx.var
    def sliders_enabled(self) -> bool:
        return len(self.engine_params) > 0

    @rx.var
    def engine_note(self) -> str:
        return ignored_note(self.engine_label, self.engine_params, self.supports_speed)

    # Loading and prefilling

    def _load_voices(self, p: Principal) -> None:
        capabilities = get_engine().capabilities
        self.engine_label = capabilities.label
        self.engine_params = sorted(capabilities.params)
        self.supports_speed = capabilities.supports_speed
        with tenant_session(p.org_id) as session:
            lists = list_voices(session=session)
            self.custom_voices = [voice_option(v) for v in lists.custom if _ready(v, capabilities)]
            self.system_voices = [voice_option(v) for v in lists.system if _ready(v, capabilities)]

    def _available(self, voice_id: str | None) -> bool:
        return bool(voice_id) and any(v.id == voice_id for v in (*self.custom_voices, *self.system_voices))

    def _first_voice(self) -> str:
        voices = [*self.custom_voices, *self.system_voices]
        return voices[0].id if voices else ""

    def _prefill(self, *, text: str, voice_id: str | None, params: dict[str, float] | None = None,
                 keep_missing: bool = False) -> None:
        """Fill the form. A voice that is gone shows as "Unavailable voice" where `keep_missing` (a past generation),
        else the first voice is chosen."""
        self.text = text[:MAX_CHARS]
        if self._available(voice_id):
            self.voice_id = voice_id
        else:
            self.voice_id = UNAVAILABLE if keep_missing else self._first_voice()
        values = {**DEFAULTS, **(params or {})}
        self.temperature, self.top_p = float(values["temperature"]), float(values["top_p"])
        self.top_k, self.repetition_penalty = int(values["top_k"]), float(values["repetition_penalty"])
        self.speed = float(values["speed"])
        self.submitting = self.job_running = False
        self.form_key += 1

    @rx.event
    def load(self):
        """on_load of /text-to-speech: voices, engine, and `?text=` / `?voiceId=` prefill."""
        if (p := self._member()) is None:
            return  # the guard before this handler redirects
        try:
            self._load_voices(p)
        except ResonanceError as error:
            return error_toast(error)
        query = self.router.url.query_parameters
        self._prefill(text=query.get("text", ""), voice_id=query.get("voiceId"))

    # Editing

    @rx.event
    def set_text(self, value: str):
        self.text = str(value)[:MAX_CHARS]

    @rx.event
    def use_sample(self, index: int):
        if 0 <= int(index) < len(SAMPLES):
            self.text = SAMPLES[int(index)].text

    @rx.event
    def set_voice(self, voice_id: str):
        if self._available(str(voice_id)):
            self.voice_id = str(voice_id)

    @rx.event
    def set_param(self, name: str, value: list[float] | float):
        """A slider moved: the value is clamped to its range (the service checks it again)."""
        if name not in PARAMS:
            return
        raw = value[0] if isinstance(value, (list, tuple)) and value else value
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return
        _, low, high, _ = PARAM_RANGES[name]
        number = min(max(number, low), high)
        setattr(self, name, int(round(number)) if name == "top_k" else round(number, 2))

    # Generating

    def _params(self) -> SpeechParams:
        return SpeechParams(temperature=self.temperature, top_p=self.top_p, top_k=self.top_k,
                            repetition_penalty=self.repetition_penalty, speed=self.speed)

    @rx.event
    def generate(self):
        """Queue a generation with the form's values and open it; the job runner speaks it."""
        if self.submitting or self.job_running:
            return
        text = self.text.strip()
        if not text:
            yield rx.toast.error("Please enter some text")
            return
        if self.voice_id in ("", UNAVAILABLE):
            yield rx.toast.error("Please select a voice")
            return
        self.submitting = True
        yield
        p = self._principal()
        try:
            generation_id = submit_generation(require_org(p), text, self.voice_id, self._params())
        except ResonanceError as error:
            self.submitting = False
            yield billing_ui.refusal_toast(error, p)
            return
        yield rx.redirect(generation_url(generation_id))


def _ready(voice: Voice, capabilities: Capabilities) -> bool:
    try:
        generations.speakable(voice, capabilities)
    except (generations.VoiceUnavailable, Invalid):
        return False
    return True
