"""The organization settings page's verified domains (add, verify by DNS, the join mode) and the requests to join
through them; Admin controls are hidden from Members, whose requests the services refuse anyway."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.local_time import local_time
from resonance.ui.components.settings import domain_mode_picker, empty_row, header_row, section
from resonance.ui.states.auth import AuthState
from resonance.ui.states.org_settings import OrgSettingsState

IS_ADMIN = AuthState.is_admin
S = OrgSettingsState


def _domain_add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="domain", id="domain-add-input", placeholder="example.com", required=True, size="2",
                     flex="1", max_width="360px", auto_complete="off"),
            rx.button(rx.icon("globe", size=14), "Add domain", type="submit", id="domain-add-submit", size="2"),
            width="100%", align="center", wrap="wrap",
        ),
        id="domain-add-form", on_submit=S.add_domain, reset_on_submit=False, width="100%",
    )


def _domain_id(domain) -> rx.Component:
    return rx.el.input(type="hidden", name="domain_id", value=domain.id)


def _domain_verification(domain) -> rx.Component:
    """Unverified: the address at the domain to mail a code to, then the code."""
    send = rx.form(
        rx.hstack(
            _domain_id(domain),
            rx.input(name="email", type="email", placeholder="you@" + domain.domain, required=True, size="2",
                     flex="1", max_width="320px", class_name="domain-email-input"),
            rx.button(rx.cond(domain.code_sent_to != "", "Send a new code", "Send code"), type="submit",
                      size="2", variant="soft", class_name="domain-send-code"),
            width="100%", align="center", wrap="wrap",
        ),
        on_submit=S.send_domain_code, reset_on_submit=False, width="100%",
    )
    verify = rx.form(
        rx.hstack(
            _domain_id(domain),
            rx.input(name="code", placeholder="6-digit code", required=True, size="2", max_length=6, width="140px",
                     auto_complete="one-time-code", input_mode="numeric", class_name="domain-code-input"),
            rx.button("Verify", type="submit", size="2", class_name="domain-verify"),
            rx.text("Sent to ", rx.text.strong(domain.code_sent_to), size="2", color_scheme="gray"),
            width="100%", align="center", wrap="wrap",
        ),
        on_submit=S.verify_domain, reset_on_submit=True, width="100%",
    )
    return rx.vstack(
        rx.text("We mail a code to an address at this domain; enter it here to prove the domain is yours.",
                size="2", color_scheme="gray"),
        send, rx.cond(domain.code_sent_to != "", verify), spacing="2", width="100%",
    )


def _domain_row(domain) -> rx.Component:
    verified = domain.verified
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.text(domain.domain, weight="medium"),
                rx.cond(verified, rx.badge("Verified", color_scheme="green", variant="soft"),
                        rx.badge("Unverified", color_scheme="orange", variant="soft")),
                rx.spacer(),
                rx.cond(verified, domain_mode_picker(
                    value=domain.mode, size="1",
                    on_change=lambda value: S.change_domain_mode(domain.id, value))),
                rx.button("Remove", size="1", variant="soft", color_scheme="red", class_name="domain-remove",
                          on_click=S.ask("remove_domain", domain.id)),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(verified,
                    rx.text(rx.cond(domain.mode == "automatic_invitation",
                                    "People with a verified address at this domain can join as members at once.",
                                    "People with a verified address at this domain can ask to join; you approve."),
                            size="2", color_scheme="gray"),
                    _domain_verification(domain)),
            spacing="2", width="100%",
        ),
        class_name="domain-row", custom_attrs={"data-domain": domain.domain}, width="100%",
        padding="0.75em", border="1px solid var(--gray-5)", border_radius="var(--radius-3)",
    )


def _remove_domain_dialog() -> rx.Component:
    return confirm_dialog(
        "Remove domain", "Remove ", rx.text.strong(S.confirm_name),
        "? People at it are no longer offered this organization and its pending requests go; members stay.",
        open=S.confirm_action == "remove_domain", on_cancel=S.cancel_confirm, confirm_label="Remove",
        on_confirm=S.remove_domain(S.confirm_id), confirm_id="domain-remove-confirm",
    )


def _request_row(request) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(request.name, weight="medium")),
        rx.table.cell(request.email),
        rx.table.cell(local_time(request.requested, "date")),
        rx.table.cell(rx.hstack(
            rx.button("Approve", size="1", class_name="join-request-approve",
                      on_click=S.approve_request(request.id)),
            rx.button("Decline", size="1", variant="soft", color_scheme="red", class_name="join-request-decline",
                      on_click=S.decline_request(request.id)),
            spacing="2", justify="end"), text_align="right"),
        class_name="join-request-row", custom_attrs={"data-email": request.email}, align="center",
    )


def domains_sections() -> rx.Component:
    return rx.vstack(
        section(
            "Verified domains",
            "People whose verified email address is at a verified domain are offered this organization when they "
            "choose one: to join at once (automatic invitation) or to ask to join (suggestion). Public email "
            "providers like gmail.com can't be added.",
            _domain_add_form(),
            rx.cond(S.domains.length() > 0, rx.vstack(rx.foreach(S.domains, _domain_row), spacing="2", width="100%"),
                    rx.text("No domains yet.", size="2", color_scheme="gray")),
        ),
        section(
            "Requests to join", "People who asked to join through a verified domain. Approving makes them members.",
            rx.table.root(
                header_row("Name", "Email", "Requested", extra=rx.table.column_header_cell("")),
                rx.table.body(rx.cond(S.join_requests.length() > 0, rx.foreach(S.join_requests, _request_row),
                                      empty_row("No pending requests.", 4))),
                width="100%", variant="ghost",
            ),
        ),
        _remove_domain_dialog(),
        spacing="4", width="100%",
    )
