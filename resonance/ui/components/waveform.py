"""The generation players as Reflex custom components: WaveSurfer.js (npm `wavesurfer.js` 7, through
`@wavesurfer/react`) for finished audio, and the chunk queue that plays a generation while it is being made.

Both live in assets/tts_player.jsx; they are client-only (no server prerendering of audio elements)."""

from __future__ import annotations

import reflex as rx

PLAYER_MODULE = rx.asset("tts_player.jsx").importable_path  # "$/public/tts_player.jsx"
NPM_DEPENDENCIES = ["@wavesurfer/react@1.0.12", "wavesurfer.js@7.12.12"]

WAVE_COLOR = "#96999D"
PROGRESS_COLOR = "#4A8A9A"


class WaveformPlayer(rx.NoSSRComponent):
    """Waveform of `url` with time display, -10 s, play/pause and +10 s; autoplays (or takes over from the chunk
    queue) when ready, "Loading audio..." until then."""

    library = PLAYER_MODULE
    tag = "WaveformPlayer"
    lib_dependencies: list[str] = NPM_DEPENDENCIES

    url: rx.Var[str]
    generation_id: rx.Var[str]
    duration: rx.Var[float]
    height: rx.Var[int]
    wave_color: rx.Var[str]
    progress_color: rx.Var[str]
    cursor_color: rx.Var[str]


class ChunkPlayer(rx.NoSSRComponent):
    """Plays /api/audio/{id}/chunks/{i} in order as `available` grows; shows which part is playing."""

    library = PLAYER_MODULE
    tag = "ChunkPlayer"
    lib_dependencies: list[str] = NPM_DEPENDENCIES

    generation_id: rx.Var[str]
    base_url: rx.Var[str]
    available: rx.Var[int]
    total: rx.Var[int]
    status: rx.Var[str]


def waveform(url, generation_id, duration, height: int = 80) -> rx.Component:
    return WaveformPlayer.create(url=url, generation_id=generation_id, duration=duration, height=height,
                                 wave_color=WAVE_COLOR, progress_color=PROGRESS_COLOR, cursor_color=PROGRESS_COLOR,
                                 key=generation_id)


def chunk_player(generation_id, base_url, available, total, status) -> rx.Component:
    return ChunkPlayer.create(generation_id=generation_id, base_url=base_url, available=available, total=total,
                              status=status)
