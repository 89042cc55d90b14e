"""/invite/{token}: accept an invitation with the invited account."""

import reflex as rx

from resonance.ui import browser
from resonance.ui.components.auth_card import auth_card
from resonance.ui.components.forms import error_callout
from resonance.ui.states.invite import InviteState


def invite_page() -> rx.Component:
    details = rx.vstack(
        rx.text("You are invited to join ", rx.text.strong(InviteState.invited_org), " as ",
                rx.text.strong(InviteState.invited_role), ".", size="3"),
        rx.text("Invitation for ", rx.text.strong(InviteState.invited_email), size="2", color_scheme="gray"),
        error_callout(InviteState.error),
        rx.cond(
            InviteState.status != "pending",
            # The parts, not rx.callout(rx.text(...)): that puts a <p> inside the callout's own <p>.
            rx.callout.root(
                rx.callout.icon(rx.icon("circle_alert")),
                rx.callout.text("This invitation is ", InviteState.status, ". Ask an admin for a new one."),
                color_scheme="orange", width="100%",
            ),
            rx.cond(
                InviteState.signed_in,
                rx.cond(
                    InviteState.user_email == InviteState.invited_email,
                    rx.button("Join ", InviteState.invited_org, size="3", width="100%", on_click=InviteState.accept,
                              id="accept-invitation"),
                    rx.vstack(
                        rx.text("You are signed in as ", rx.text.strong(InviteState.user_email),
                                ". Sign out, then sign in or sign up with the invited email.", size="2"),
                        rx.button("Sign out", variant="outline", on_click=browser.sign_out(), width="100%"),
                        width="100%",
                    ),
                ),
                rx.vstack(
                    rx.link(rx.button("Sign up to accept", size="3", width="100%", id="invite-sign-up"),
                            href=InviteState.sign_up_url, width="100%"),
                    rx.link(rx.button("I already have an account", variant="outline", size="3", width="100%"),
                            href=InviteState.sign_in_url, width="100%"),
                    width="100%",
                ),
            ),
        ),
        width="100%", spacing="3",
    )
    missing = rx.callout("This invitation link is not valid.", icon="circle_alert", color_scheme="red", width="100%")
    return auth_card("Join an organization", "", rx.cond(InviteState.found, details, missing))
