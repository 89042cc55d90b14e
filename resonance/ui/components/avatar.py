"""Initials avatars for people and organizations."""

import reflex as rx


def initials_avatar(initials, *, size: str = "2", color: str = "teal") -> rx.Component:
    return rx.avatar(fallback=initials, size=size, radius="full", color_scheme=color, variant="solid")
