"""/settings/organization: General, Members, Invitations (with verified domains and requests to join) and Audit log
tabs.

Admin controls are hidden with `AuthState.is_admin` (mirrored from the server) for a tidy Member view; the
services refuse them anyway."""

from __future__ import annotations

import reflex as rx

from resonance.ui.components.avatar import initials_avatar
from resonance.ui.components.confirm_dialog import confirm_dialog
from resonance.ui.components.local_time import local_time
from resonance.ui.components.org_domains import domains_sections
from resonance.ui.components.settings import (
    empty_row,
    header_row,
    log_row,
    role_badge,
    role_picker,
    section,
    status_badge,
)
from resonance.ui.layout import dashboard
from resonance.ui.states.auth import AuthState
from resonance.ui.states.org_settings import OrgSettingsState

IS_ADMIN = AuthState.is_admin
S = OrgSettingsState


# General

def _name_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="name", id="org-name-input", default_value=AuthState.org_name, key=AuthState.org_name,
                     required=True, max_length=80, read_only=~IS_ADMIN, size="2", flex="1", max_width="380px"),
            rx.cond(IS_ADMIN, rx.button("Save", type="submit", id="org-rename-submit", size="2")),
            width="100%", align="center",
        ),
        on_submit=OrgSettingsState.rename, reset_on_submit=False, width="100%",
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Delete organization", color_scheme="red", id="delete-org-open")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete organization"),
            rx.alert_dialog.description(
                "This permanently deletes ", rx.text.strong(AuthState.org_name),
                " with its members, invitations, voices and history. It cannot be undone.", size="2"),
            rx.form(
                rx.vstack(
                    rx.text("Type ", rx.text.strong(AuthState.org_name), " to confirm.", size="2"),
                    rx.input(name="confirmation", id="delete-org-confirm-input", auto_complete="off", width="100%"),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Delete organization", type="submit", color_scheme="red", id="delete-org-confirm"),
                        spacing="3", justify="end", width="100%",
                    ),
                    spacing="3", width="100%", margin_top="1em",
                ),
                on_submit=OrgSettingsState.delete, reset_on_submit=False,
            ),
            max_width="460px",
        ),
    )


def _export_section() -> rx.Component:
    export = OrgSettingsState.export
    status = export.status
    return section(
        "Export organization",
        "One zip archive of the voices with their recordings, the generations with their audio, the members and the "
        "audit log. Only admins can download it, for 7 days.",
        rx.match(
            status,
            ("queued", rx.text("Exporting… 0%", id="export-org-progress", size="2")),
            ("running", rx.text("Exporting… ", export.percent, "%", id="export-org-progress", size="2")),
            ("done", rx.hstack(
                rx.link(rx.button(rx.icon("download", size=14), "Download", size="2", variant="soft"),
                        href=export.href, id="export-org-download", is_external=False),
                rx.text("Available until ", local_time(export.expires), size="1", color_scheme="gray"),
                align="center", spacing="3")),
            ("failed", rx.text(export.error, id="export-org-error", size="2", color_scheme="red")),
            rx.fragment(),
        ),
        rx.button(rx.icon("archive", size=14), "Export organization", id="export-org-start", size="2",
                  variant="outline", on_click=OrgSettingsState.start_export,
                  disabled=(status == "queued") | (status == "running")),
    )


def general_tab() -> rx.Component:
    return rx.vstack(
        section("Organization profile",
                rx.cond(IS_ADMIN, "The name everyone in the organization sees.",
                        "Only admins can rename the organization."),
                _name_form()),
        section("Leave organization",
                "You lose access to this organization's voices and history. An admin can invite you back.",
                rx.button("Leave organization", id="leave-org", color_scheme="red", variant="soft",
                          on_click=OrgSettingsState.leave)),
        rx.cond(IS_ADMIN, section(
            "Two-step verification",
            "Require it of everyone: members without it are asked to set it up before they can use the organization.",
            rx.hstack(
                rx.switch(checked=OrgSettingsState.require_two_step, id="require-two-step",
                          on_change=OrgSettingsState.set_two_step_required),
                rx.text("Require two-step verification", size="2"),
                spacing="2", align="center",
            ),
        )),
        rx.cond(IS_ADMIN, _export_section()),
        rx.cond(IS_ADMIN, section("Danger zone", "Deleting the organization removes all of its data for everyone.",
                                  _delete_dialog(), danger=True)),
        spacing="4", width="100%",
    )


# Members

def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        "Remove member", "Remove ", rx.text.strong(S.confirm_name), " from ", AuthState.org_name,
        "? They lose access at once.",
        open=S.confirm_action == "remove_member", on_cancel=S.cancel_confirm, confirm_label="Remove",
        on_confirm=S.remove_member(S.confirm_id), confirm_id="member-remove-confirm",
    )


def _reset_two_step_dialog() -> rx.Component:
    return confirm_dialog(
        "Reset two-step verification", "Remove every second factor of ", rx.text.strong(S.confirm_name),
        "? They sign in with their password or an emailed link alone until they set it up again. Do this only for "
        "someone who lost their phone and backup codes.",
        open=S.confirm_action == "reset_two_step", on_cancel=S.cancel_confirm, confirm_label="Reset",
        on_confirm=S.reset_two_step(S.confirm_id), confirm_id="member-two-step-reset-confirm",
    )


def _member_row(member) -> rx.Component:
    role = rx.cond(
        IS_ADMIN,
        role_picker(trigger_class="member-role-select", value=member.role, size="1",
                    on_change=lambda value: OrgSettingsState.change_role(member.id, value)),
        role_badge(member.role),
    )
    return rx.table.row(
        rx.table.cell(rx.hstack(
            initials_avatar(member.initials, size="1", color="indigo"),
            rx.text(member.name, weight="medium"),
            rx.cond(member.you, rx.badge("You", variant="outline", color_scheme="gray")),
            rx.cond(member.two_step, rx.tooltip(rx.icon("shield_check", size=14, color="var(--green-11)",
                                                         class_name="member-two-step"),
                                                 content="Two-step verification on")),
            align="center", spacing="2",
        )),
        rx.table.cell(member.email),
        rx.table.cell(role),
        rx.table.cell(local_time(member.joined, "date")),
        rx.cond(IS_ADMIN, rx.table.cell(
            rx.hstack(
                rx.cond(member.two_step & ~member.you,
                        rx.button("Reset 2-step", size="1", variant="soft", color_scheme="gray",
                                  class_name="member-two-step-reset", white_space="nowrap",
                                  on_click=S.ask("reset_two_step", member.id))),
                rx.button("Remove", size="1", variant="soft", color_scheme="red", class_name="member-remove",
                          on_click=S.ask("remove_member", member.id)),
                spacing="2", justify="end",
            ),
            text_align="right")),
        class_name="member-row", custom_attrs={"data-email": member.email}, align="center",
    )


def members_tab() -> rx.Component:
    return section(
        "Members", "People in this organization and their roles. Admins manage members, billing and settings.",
        rx.table.root(
            header_row("Name", "Email", "Role", "Joined", extra=rx.cond(IS_ADMIN, rx.table.column_header_cell(""))),
            rx.table.body(rx.foreach(OrgSettingsState.members, _member_row)),
            width="100%", variant="ghost",
        ),
        _remove_dialog(),
        _reset_two_step_dialog(),
    )


# Invitations

def _invite_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="email", id="invite-email", type="email", placeholder="colleague@example.com",
                     required=True, size="2", flex="1", max_width="360px"),
            role_picker(trigger_id="invite-role", name="role", default_value="member", size="2"),
            rx.button(rx.icon("send", size=14), "Invite", type="submit", id="invite-submit", size="2"),
            width="100%", align="center", wrap="wrap",
        ),
        id="invite-form", on_submit=OrgSettingsState.invite, reset_on_submit=False, width="100%",
    )


def _invitation_row(invitation) -> rx.Component:
    return rx.table.row(
        rx.table.cell(invitation.email),
        rx.table.cell(role_badge(invitation.role)),
        rx.table.cell(status_badge(invitation.status)),
        rx.table.cell(local_time(invitation.expires, "date")),
        rx.table.cell(
            rx.cond(invitation.status == "pending",
                    rx.button("Revoke", size="1", variant="soft", color_scheme="red", class_name="invitation-revoke",
                              on_click=S.ask("revoke_invitation", invitation.id))),
            text_align="right",
        ),
        class_name="invitation-row", custom_attrs={"data-email": invitation.email}, align="center",
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        "Revoke invitation", "Revoke the invitation to ", rx.text.strong(S.confirm_name),
        "? The link we emailed stops working; you can invite them again later.",
        open=S.confirm_action == "revoke_invitation", on_cancel=S.cancel_confirm, confirm_label="Revoke",
        on_confirm=S.revoke_invitation(S.confirm_id), confirm_id="invitation-revoke-confirm",
    )


def invitations_tab() -> rx.Component:
    return rx.vstack(
        section("Invite a member", "We email a link that works once, for that address, for 30 days.", _invite_form()),
        section(
            "Invitations", "Sent invitations, newest first.",
            rx.table.root(
                header_row("Email", "Role", "Status", "Expires", extra=rx.table.column_header_cell("")),
                rx.table.body(rx.cond(
                    OrgSettingsState.invitations.length() > 0,
                    rx.foreach(OrgSettingsState.invitations, _invitation_row),
                    empty_row("No invitations yet.", 5),
                )),
                width="100%", variant="ghost",
            ),
        ),
        domains_sections(),  # verified domains and requests to join: components/org_domains.py
        _revoke_dialog(),
        spacing="4", width="100%",
    )


# Audit log

def _audit_row(event) -> rx.Component:
    return log_row(event.when, event.who, rx.code(event.action, variant="soft", size="2"), event.detail,
                   class_name="audit-row")


def audit_tab() -> rx.Component:
    return section(
        "Audit log",
        "The latest 100 actions in this organization, with its members' sign-ins and security changes.",
        rx.table.root(
            header_row("When", "Who", "Action", "Detail"),
            rx.table.body(rx.foreach(OrgSettingsState.audit_events, _audit_row)),
            width="100%", variant="ghost",
        ),
    )


def _trigger(label: str, value: str, icon: str) -> rx.Component:
    # Phones get the labels without icons (.tab-icon in assets/styles.css), so all four tabs fit on one line.
    return rx.tabs.trigger(rx.hstack(rx.icon(icon, size=14, class_name="tab-icon"), label, align="center",
                                     spacing="2"), value=value, id=f"tab-{value}")


def org_settings_page() -> rx.Component:
    return dashboard(
        rx.tabs.root(
            rx.tabs.list(
                _trigger("General", "general", "settings"),
                _trigger("Members", "members", "users"),
                rx.cond(IS_ADMIN, _trigger("Invitations", "invitations", "mail")),
                rx.cond(IS_ADMIN, _trigger("Audit log", "audit", "scroll_text")),
                size=rx.breakpoints(initial="1", xs="2"),
            ),
            rx.tabs.content(general_tab(), value="general", padding_top="1em"),
            rx.tabs.content(members_tab(), value="members", padding_top="1em"),
            rx.cond(IS_ADMIN, rx.tabs.content(invitations_tab(), value="invitations", padding_top="1em")),
            rx.cond(IS_ADMIN, rx.tabs.content(audit_tab(), value="audit", padding_top="1em")),
            default_value="general", width="100%",
        ),
        title="Organization settings",
    )
