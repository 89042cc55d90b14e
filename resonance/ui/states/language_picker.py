"""A searchable language field (the voice forms' combobox): the chosen BCP-47 tag, what is typed, and the matches.

A mixin, so each form's state has its own picker. Only known tags are ever chosen; the services check again."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resonance.voices import languages

MAX_MATCHES = 200  # enough to scroll; typing narrows it


def _labels() -> dict[str, str]:
    return dict(languages.options())


@dataclass(frozen=True)
class LanguageChoice:
    value: str  # a BCP-47 tag
    label: str


class LanguagePicker(rx.State, mixin=True):
    lang_value: str = "en-US"
    lang_query: str = ""
    lang_open: bool = False

    @rx.var
    def lang_label(self) -> str:
        return _labels().get(self.lang_value, self.lang_value)

    @rx.var
    def lang_matches(self) -> list[LanguageChoice]:
        words = self.lang_query.strip().lower().split()
        found = [LanguageChoice(value=tag, label=label) for tag, label in languages.options()
                 if all(w in label.lower() or w in tag.lower() for w in words)]
        return found[:MAX_MATCHES]

    def _lang_reset(self, value: str = "en-US") -> None:
        self.lang_value = value if value in _labels() else "en-US"
        self.lang_query, self.lang_open = "", False

    @rx.event
    def lang_focus(self):
        self.lang_query, self.lang_open = "", True

    @rx.event
    def lang_search(self, text: str):
        self.lang_query, self.lang_open = str(text)[:80], True

    @rx.event
    def lang_choose(self, tag: str):
        if str(tag) in _labels():
            self.lang_value = str(tag)
        self.lang_query, self.lang_open = "", False

    @rx.event
    def lang_blur(self):
        """Leaving the field keeps an exact match (typed tag or label, or the only match), else the last choice."""
        typed = self.lang_query.strip().lower()
        if typed:
            exact = [tag for tag, label in languages.options() if typed in (tag.lower(), label.lower())]
            matches = self.lang_matches
            if exact:
                self.lang_value = exact[0]
            elif len(matches) == 1:
                self.lang_value = matches[0].value
        self.lang_query, self.lang_open = "", False

    @rx.event
    def lang_key(self, key: str):
        if key == "Enter" and self.lang_matches:
            self.lang_choose(self.lang_matches[0].value)
        elif key == "Escape":
            self.lang_query, self.lang_open = "", False
