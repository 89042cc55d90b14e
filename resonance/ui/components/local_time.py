"""Every time a person sees: states hold ISO-8601 UTC (`formatting.iso`), and this component formats it in the
browser's time zone and locale (assets/local_time.jsx, wording in assets/local_time.js)."""

from __future__ import annotations

import reflex as rx

LOCAL_TIME_MODULE = rx.asset("local_time.jsx").importable_path


class LocalTime(rx.NoSSRComponent):
    """`<time datetime=…>`: client-only, since the server knows neither the viewer's zone nor locale."""

    library = LOCAL_TIME_MODULE
    tag = "LocalTime"

    datetime: rx.Var[str]
    format: rx.Var[str]
    empty: rx.Var[str]


def local_time(iso, format: str = "date_time", *, empty: str = "", **props) -> rx.Component:
    """`format`: "date", "date_time", "ago" (always relative) or "recent" (relative for a day, then the date);
    `empty` is shown when there is no time (`""`)."""
    return LocalTime.create(datetime=iso, format=format, empty=empty, **props)
