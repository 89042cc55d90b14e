"""Voice avatars drawn in CSS: deterministic "glass" gradients seeded by the voice id (DiceBear's glass style needs
the network; this needs nothing). The same id always gives the same picture, on every page."""

from __future__ import annotations

import hashlib


def glass(seed: str) -> str:
    """A CSS `background` value: two soft light blobs over a two-hue diagonal gradient."""
    b = hashlib.sha256((seed or "?").encode()).digest()
    base = b[0] * 360 // 256
    second = (base + 35 + b[1] % 90) % 360
    blob1, blob2 = (base + 180 + b[2] % 60) % 360, (second + 60 + b[3] % 60) % 360
    angle = b[4] * 360 // 256
    x1, y1, x2, y2 = 10 + b[5] % 50, 10 + b[6] % 50, 45 + b[7] % 50, 45 + b[8] % 50
    return (
        f"radial-gradient(circle at {x1}% {y1}%, hsl({blob1} 90% 72% / 0.9), transparent 45%), "
        f"radial-gradient(circle at {x2}% {y2}%, hsl({blob2} 85% 65% / 0.85), transparent 50%), "
        f"linear-gradient({angle}deg, hsl({base} 70% 52%), hsl({second} 75% 38%))"
    )
