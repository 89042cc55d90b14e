"""The generation controls: the reference's four sliders (labels, ranges, steps, captions) and Speed."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.speech.engine import PARAM_RANGES


@dataclass(frozen=True)
class SliderSpec:
    name: str  # the API field, as in SpeechParams
    element_id: str
    step: float
    left: str
    right: str
    help: str

    @property
    def label(self) -> str:
        return PARAM_RANGES[self.name][0]

    @property
    def low(self) -> float:
        return PARAM_RANGES[self.name][1]

    @property
    def high(self) -> float:
        return PARAM_RANGES[self.name][2]


SAMPLING = (
    SliderSpec("temperature", "slider-temperature", 0.1, "Consistent", "Expressive",
               "Lower values (0-0.5): More consistent and predictable; Higher values (1.5-2.0): More expressive and "
               "varied"),
    SliderSpec("top_p", "slider-top-p", 0.05, "Stable", "Dynamic",
               "Lower values: More stable output; Higher: More dynamic variation"),
    SliderSpec("top_k", "slider-top-k", 100, "Subtle", "Dramatic",
               "Lower values: Subtle expressions; Higher: Dramatic delivery"),
    SliderSpec("repetition_penalty", "slider-repetition-penalty", 0.1, "Rhythmic", "Varied",
               "Lower values: More rhythmic patterns; Higher: More varied delivery. 1.0: No penalty (may lead to "
               "repetition); 1.2: Default (balanced); 2.0: Strong penalty (avoids repetition)"),
)
SPEED = SliderSpec("speed", "slider-speed", 0.05, "Slower", "Faster", "1.0 is the voice's natural pace")


def param_slider(spec: SliderSpec, *, value, value_text, on_change, disabled, key) -> rx.Component:
    """A labelled slider with its value and its left and right captions; uncontrolled (remounted by `key` when
    the server fills the form) so dragging stays smooth."""
    return rx.vstack(
        rx.hstack(
            rx.tooltip(rx.text(spec.label, size="2", weight="medium"), content=spec.help),
            rx.spacer(),
            rx.text(value_text, size="1", color_scheme="gray", font_family="var(--code-font-family)",
                    class_name="slider-value"),
            width="100%", align="center",
        ),
        rx.slider(id=spec.element_id, default_value=[value], min=spec.low, max=spec.high, step=spec.step,
                  on_change=on_change, disabled=disabled, key=key, size="1",
                  custom_attrs={"aria-label": spec.label}),
        rx.hstack(
            rx.text(spec.left, size="1", color_scheme="gray"),
            rx.spacer(),
            rx.text(spec.right, size="1", color_scheme="gray"),
            width="100%",
        ),
        spacing="2", width="100%", opacity=rx.cond(disabled, "0.55", "1"),
        # The captions dim with the slider: the whole group is the disabled control (WCAG exempts it from contrast).
        custom_attrs={"aria-disabled": rx.cond(disabled, "true", "false")},
    )
