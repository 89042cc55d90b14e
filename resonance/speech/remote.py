"""The remote engine: a speech service speaking the /generate contract (a Chatterbox deployment, or ours).

    POST {url}/generate   x-api-key: <key>
    {"prompt", "voice_key", "temperature", "top_p", "top_k", "repetition_penalty", "norm_loudness"} -> audio/wav

The contract returns one WAV per request, so long text is sent one chunk at a time and each answer is yielded as it
arrives. The service speaks from the reference audio in shared storage at `voice_key` (it clones) and performs tags.
A service that also answers `GET {url}/capabilities` (ours does) reports what it really uses instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import httpx

from resonance.speech import audio, text as text_
from resonance.speech.engine import (
    Capabilities,
    Chunk,
    EngineVoice,
    SLIDERS,
    SpeechEngineError,
    SpeechInputError,
    SpeechParams,
    VoiceNotFound,
)

log = logging.getLogger(__name__)

# What a Chatterbox deployment does: every slider, tags, cloning from the sample; no speed control.
CONTRACT_CAPABILITIES = Capabilities(
    name="remote",
    label="Remote speech service",
    sample_rate=24_000,
    params=frozenset(SLIDERS),
    supports_tags=True,
    clones=True,
    supports_speed=False,
)


class RemoteEngine:
    """Synthesis by HTTP; one `httpx.Client` (connection pool) per engine."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 120.0, transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url, headers={"x-api-key": api_key}, timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
        )
        self._capabilities: Capabilities | None = None
        self._lock = threading.Lock()

    @property
    def capabilities(self) -> Capabilities:
        """Asked of the service once (`GET /capabilities`); the contract's when the service does not say."""
        if self._capabilities is None:
            with self._lock:
                if self._capabilities is None:
                    self._capabilities = self._ask_capabilities()
        return self._capabilities

    def _ask_capabilities(self) -> Capabilities:
        try:
            response = self._client.get("/capabilities")
        except httpx.HTTPError as error:
            log.warning("Speech service at %s unreachable for /capabilities: %s", self.url, error)
            return CONTRACT_CAPABILITIES  # not cached: the next call asks again
        if response.status_code == 200:
            try:
                return Capabilities.from_dict(response.json())
            except (ValueError, KeyError, TypeError):
                log.warning("Speech service at %s sent unreadable capabilities", self.url)
        return CONTRACT_CAPABILITIES

    def ready(self) -> None:
        """Raise unless the service answers its health check within a couple of seconds (readiness)."""
        response = self._client.get("/health", timeout=2.0)
        if response.status_code != 200:
            raise SpeechEngineError(f"Speech service health answered {response.status_code}")

    def warm(self) -> None:
        """Connect and learn the service's capabilities before the first request needs them."""
        _ = self.capabilities

    def synthesize(self, text: str, voice: EngineVoice, params: SpeechParams | None = None) -> Iterator[Chunk]:
        """Validate now, then request and yield one WAV per chunk of text."""
        params = params or SpeechParams()
        capabilities = self.capabilities
        prepared = text_.prepare(text, keep_tags=capabilities.supports_tags)
        if not voice.voice_key:
            raise VoiceNotFound("Voice audio not available")
        return self._chunks(text_.split(prepared), voice.voice_key, params, capabilities)

    def _chunks(self, pieces: list[str], voice_key: str, params: SpeechParams,
                capabilities: Capabilities) -> Iterator[Chunk]:
        for index, piece in enumerate(pieces):
            body = {"prompt": piece, "voice_key": voice_key, **params.sliders(), "norm_loudness": True}
            if capabilities.supports_speed:  # an extension of the contract; Chatterbox would ignore it
                body["speed"] = params.speed
            samples, rate = self._generate(body)
            yield Chunk(index=index, text=piece, samples=samples, sample_rate=rate)

    def _generate(self, body: dict):
        try:
            response = self._client.post("/generate", json=body)
        except httpx.TimeoutException:
            raise SpeechEngineError(f"The speech service at {self.url} did not answer in time") from None
        except httpx.HTTPError as error:
            raise SpeechEngineError(f"The speech service at {self.url} is unreachable ({error})") from None
        if response.status_code != 200:
            raise _error(response)
        try:
            return audio.read_wav(response.content)
        except ValueError:
            raise SpeechEngineError("The speech service sent audio that is not a WAV file") from None

    def close(self) -> None:
        self._client.close()


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:200]
    if isinstance(detail, list):  # FastAPI validation errors
        return "; ".join(f"{'.'.join(map(str, e.get('loc', ())[1:]))}: {e.get('msg')}" for e in detail)
    return str(detail or "")


def _error(response: httpx.Response) -> Exception:
    detail = _detail(response)
    code = response.status_code
    if code in (401, 403):
        return SpeechEngineError("The speech service refused the API key (check RESONANCE_SPEECH_API_KEY)")
    if code == 400:  # "Voice not found at '<key>'": the key is internal, people are told what it means
        log.warning("Speech service: %s", detail)
        return VoiceNotFound("Voice audio not available")
    if code == 422:
        return SpeechInputError(f"The speech service refused the request: {detail}")
    if code >= 500:
        return SpeechEngineError(f"The speech service failed ({code}): {detail or 'no detail'}")
    return SpeechEngineError(f"The speech service answered {code}: {detail or 'no detail'}")
