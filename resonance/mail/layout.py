"""The shared look of every email: a table layout with inline CSS (what mail clients render), the Resonance mark and
name, a clear button and the plain link under it; the text part says the same in words. Every value is escaped here,
so templates may pass user-provided text (names, organisation names) as is."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

ACCENT = "#0d9488"  # the app's teal (ui/components/brand.py, assets/logo.svg)
INK = "#111827"
MUTED = "#6b7280"
PAGE = "#f0fdfa"
FONT = "Inter,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
FOOTER = "If you did not ask for this, you can ignore this email."
MAX_SUBJECT = 200  # OutboxEmail.subject


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    template: str = ""  # which kind of message (templates.py's function): what the production log names


@dataclass(frozen=True)
class Body:
    """What one email says; `layout.render` turns it into text and HTML."""

    heading: str
    lines: list[str]
    button: str = ""
    link: str = ""
    code: str = ""
    after: list[str] = field(default_factory=list)
    footer: str = FOOTER


def _logo() -> str:
    # The app's logo (five white bars on a teal rounded square) drawn with table cells: SVG and remote images are
    # blocked or unsupported by many clients, cells are not.
    bars = "".join(
        f'<td style="padding:0 1px;vertical-align:middle"><div style="width:3px;height:{h}px;background:#ffffff;'
        f'border-radius:2px;font-size:0;line-height:0">&nbsp;</div></td>'
        for h in (6, 14, 20, 10, 4)
    )
    return (
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="background:{ACCENT};'
        f'border-radius:8px;width:32px;height:32px"><tr><td align="center" style="vertical-align:middle">'
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>{bars}</tr></table>'
        "</td></tr></table>"
    )


def _paragraph(line: str, *, muted: bool = False) -> str:
    colour = MUTED if muted else INK
    size = "13px" if muted else "15px"
    return f'<p style="margin:0 0 14px;font-size:{size};line-height:1.55;color:{colour}">{html.escape(line)}</p>'


def _code(code: str) -> str:
    return (
        f'<p style="margin:6px 0 20px;font-size:30px;letter-spacing:8px;font-weight:700;color:{INK};'
        f"font-family:ui-monospace,Menlo,Consolas,monospace\">{html.escape(code)}</p>"
    )


def _button(label: str, link: str) -> str:
    href = html.escape(link, quote=True)
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 20px"><tr>'
        f'<td style="background:{ACCENT};border-radius:8px">'
        f'<a href="{href}" target="_blank" style="display:inline-block;padding:12px 22px;font-size:15px;'
        f'font-weight:600;color:#ffffff;text-decoration:none;font-family:{FONT}">{html.escape(label)}</a>'
        "</td></tr></table>"
        f'<p style="margin:0 0 16px;font-size:13px;line-height:1.5;color:{MUTED}">Or paste this link into your '
        f'browser:<br><a href="{href}" style="color:{ACCENT};word-break:break-all">{html.escape(link)}</a></p>'
    )


def _html(subject: str, body: Body) -> str:
    content = f'<h1 style="margin:0 0 16px;font-size:20px;font-weight:700;color:{INK}">{html.escape(body.heading)}</h1>'
    content += "".join(_paragraph(line) for line in body.lines)
    if body.code:
        content += _code(body.code)
    if body.link:
        content += _button(body.button, body.link)
    content += "".join(_paragraph(line, muted=True) for line in body.after)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(subject)}</title></head>"
        f'<body style="margin:0;padding:0;background:{PAGE}">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:{PAGE}">'
        '<tr><td align="center" style="padding:32px 12px">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="max-width:520px;font-family:{FONT}">'
        f'<tr><td style="padding:0 4px 16px"><table role="presentation" cellpadding="0" cellspacing="0" border="0">'
        f'<tr><td style="vertical-align:middle">{_logo()}</td>'
        f'<td style="vertical-align:middle;padding-left:10px;font-size:18px;font-weight:700;color:{INK}">Resonance</td>'
        "</tr></table></td></tr>"
        '<tr><td style="background:#ffffff;border-radius:12px;padding:28px 28px 14px;'
        f'box-shadow:0 10px 30px rgba(0,0,0,0.08);border:1px solid #e5e7eb">{content}</td></tr>'
        f'<tr><td style="padding:16px 4px;font-size:12px;line-height:1.5;color:{MUTED}">'
        f"{html.escape(body.footer)}</td></tr>"
        "</table></td></tr></table></body></html>"
    )


def _text(body: Body) -> str:
    parts = [body.heading, *body.lines]
    if body.code:
        parts.append(f"Your code: {body.code}")
    if body.link:
        parts.append(f"{body.button}: {body.link}")
    parts += body.after
    parts += ["--", f"Resonance. {body.footer}"]
    return "\n\n".join(parts) + "\n"


def render(subject: str, body: Body, *, template: str = "") -> Message:
    # One line (a name with a line break must not forge headers) that fits the outbox column.
    subject = " ".join(subject.split())
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1].rstrip() + "…"
    return Message(subject=subject, text=_text(body), html=_html(subject, body), template=template)
