"""/org-selection: choose, join or create an organization (no personal accounts)."""

import reflex as rx

from resonance.ui import browser
from resonance.ui.components.auth_card import auth_card
from resonance.ui.components.avatar import initials_avatar
from resonance.ui.components.forms import error_callout, field, info_callout
from resonance.ui.states.org_selection import OrgSelectionState


def _org_row(org) -> rx.Component:
    return rx.button(
        rx.hstack(rx.text(org.name, weight="medium"), rx.spacer(), rx.badge(org.role), width="100%"),
        variant="soft", color_scheme="gray", width="100%", size="3", on_click=OrgSelectionState.choose(org.id),
        class_name="org-choice",
    )


def _invitation_row(inv) -> rx.Component:
    return rx.hstack(
        rx.text(inv.org_name, weight="medium"), rx.badge(inv.role), rx.spacer(),
        rx.button("Join", size="2", on_click=OrgSelectionState.join(inv.id), class_name="join-invitation"),
        width="100%", align="center",
    )


def _domain_offer_row(offer) -> rx.Component:
    action = rx.cond(
        offer.mode == "automatic_invitation",
        rx.button("Join", size="2", on_click=OrgSelectionState.join_by_domain(offer.org_id),
                  class_name="join-by-domain"),
        rx.cond(offer.requested,
                rx.badge("Requested", color_scheme="gray", variant="soft", size="2"),
                rx.button("Request to join", size="2", variant="soft",
                          on_click=OrgSelectionState.request_to_join(offer.org_id), class_name="request-to-join")),
    )
    return rx.hstack(
        rx.vstack(rx.text(offer.org_name, weight="medium"),
                  rx.text("For people at ", offer.domain, size="1", color_scheme="gray"), spacing="0"),
        rx.spacer(), action,
        width="100%", align="center", class_name="domain-offer", custom_attrs={"data-org": offer.org_name},
    )


def org_selection_page() -> rx.Component:
    return auth_card(
        "Choose an organization", "Resonance works in organizations: your team's voices, history and billing.",
        error_callout(OrgSelectionState.error),
        info_callout(OrgSelectionState.info),
        rx.cond(OrgSelectionState.my_orgs.length() > 0,
                rx.vstack(rx.text("Your organizations", size="2", weight="bold"),
                          rx.foreach(OrgSelectionState.my_orgs, _org_row), width="100%")),
        rx.cond(OrgSelectionState.my_invitations.length() > 0,
                rx.vstack(rx.text("Invitations", size="2", weight="bold"),
                          rx.foreach(OrgSelectionState.my_invitations, _invitation_row), width="100%")),
        rx.cond(OrgSelectionState.domain_offers.length() > 0,
                rx.vstack(rx.text("From your email domain", size="2", weight="bold"),
                          rx.foreach(OrgSelectionState.domain_offers, _domain_offer_row), width="100%")),
        rx.divider(),
        rx.form(
            rx.vstack(
                field("New organization name", "name", placeholder="Acme Studio"),
                rx.button("Create organization", type="submit", size="3", width="100%", id="create-org"),
                width="100%",
            ),
            on_submit=OrgSelectionState.create, width="100%",
        ),
        rx.hstack(initials_avatar(OrgSelectionState.initials, size="1", color="indigo"),
                  rx.text(OrgSelectionState.user_email, size="1", color_scheme="gray"), rx.spacer(),
                  rx.link("Sign out", on_click=browser.sign_out(), size="1", href="#"), width="100%", align="center"),
    )
