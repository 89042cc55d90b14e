"""The dashboard's wavy hero: four drifting waves in the reference's colours behind the greeting. The motion is CSS
(assets/styles.css, `.hero-wave`): hidden on phones and still under prefers-reduced-motion."""

from __future__ import annotations

import reflex as rx

WAVES = 4  # one for each of the reference's colours, #2DD4BF #22D3EE #38BDF8 #818CF8, set in styles.css


def hero(*content: rx.Component) -> rx.Component:
    waves = rx.box(*[rx.box(class_name="hero-wave") for _ in range(WAVES)], class_name="hero-waves",
                   custom_attrs={"aria-hidden": "true"})
    return rx.box(waves, rx.box(*content, position="relative"), class_name="hero", id="dashboard-hero",
                  width="100%")
