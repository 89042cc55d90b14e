"""The Reflex app: every page with its route, title and on_load guard, and the backend routes beside them."""

import asyncio
from contextlib import asynccontextmanager

import reflex as rx

from resonance.api.app import build_api
from resonance.billing.lifespan import billing_background
from resonance.core import error_tracking, logs, routes
from resonance.core.config import get_settings
from resonance.jobs.default import default_runner
from resonance.mail.delivery import mail_delivery
from resonance.ui.event_errors import backend_exception_handler
from resonance.ui.event_logs import EventLogScope
from resonance.ui.pages.account import account_page
from resonance.ui.pages.api_docs import api_docs_page
from resonance.ui.pages.api_keys import api_keys_page
from resonance.ui.pages.auth_pages import (
    forgot_password_page,
    magic_link_page,
    not_me_page,
    reset_password_page,
    second_factor_page,
    sign_in_page,
    sign_up_page,
    verify_email_page,
)
from resonance.ui.pages.billing import billing_page
from resonance.ui.pages.home import home_page
from resonance.ui.pages.invite import invite_page
from resonance.ui.pages.org_selection import org_selection_page
from resonance.ui.pages.org_settings import org_settings_page
from resonance.ui.pages.outbox import outbox_page
from resonance.ui.pages.text_to_speech import generation_page, text_to_speech_page
from resonance.ui.pages.voices import voices_page
from resonance.ui.states.account import AccountState
from resonance.ui.states.api_keys import ApiDocsState, ApiKeysState
from resonance.ui.states.auth import AuthState
from resonance.ui.states.billing import BillingState
from resonance.ui.states.generation import GenerationState
from resonance.ui.states.home import HomeState
from resonance.ui.states.invite import InviteState
from resonance.ui.states.magic_link import MagicLinkState
from resonance.ui.states.not_me import NotMeState
from resonance.ui.states.org_selection import OrgSelectionState
from resonance.ui.states.org_settings import OrgSettingsState
from resonance.ui.states.outbox import OutboxState
from resonance.ui.states.passkeys import PasskeysState
from resonance.ui.states.password_reset import ForgotPasswordState, ResetPasswordState
from resonance.ui.states.second_factor import SecondFactorState
from resonance.ui.states.shell import ShellState
from resonance.ui.states.sign_in import SignInState
from resonance.ui.states.sign_up import SignUpState
from resonance.ui.states.tts import TTSState
from resonance.ui.states.tts_history import TTSHistoryState
from resonance.ui.states.voice_create import VoiceCreateState
from resonance.ui.states.two_step import TwoStepState
from resonance.ui.states.verify_email import VerifyEmailState
from resonance.ui.states.voices import VoicesState
from resonance.voices.warmup import voice_warmup

import resonance.models  # noqa: F401  (every table registered before the first query)

# Every record this process logs is scrubbed of tokens, links, keys and cookies, and written as JSON in production.
logs.configure()
error_tracking.start()  # Sentry, when RESONANCE_SENTRY_DSN is set: before the app's routes are built

app = rx.App(
    api_transformer=build_api(),
    backend_exception_handler=backend_exception_handler,  # a database outage says "try again", not "an error"
    head_components=[rx.el.link(rel="icon", href="/logo.svg")],
    stylesheets=["/styles.css"],
)
app.add_middleware(EventLogScope())  # each event's log lines get a request id (and the caller once known)


@asynccontextmanager
async def job_runner():
    """Generations and voice matching run in this process by default; interrupted jobs resume at start. At shutdown
    (SIGTERM) the running job gets its grace period, then goes back to the queue (jobs/runner.py); off the event
    loop, so the server's other shutdown work goes on meanwhile."""
    runner = default_runner()
    runner.start()
    try:
        yield
    finally:
        await asyncio.to_thread(runner.stop)


app.register_lifespan_task(logs.server_logs)  # the server's own log lines as JSON too, in each worker
app.register_lifespan_task(job_runner)
app.register_lifespan_task(mail_delivery)  # SMTP outbox deliverer (only when SMTP is configured)
app.register_lifespan_task(billing_background)  # usage records to Polar (only when billing is on)
app.register_lifespan_task(voice_warmup)  # built-in voices' previews and matching's figures, once


def title(name: str) -> str:
    return f"{name} | Resonance"


# Public pages
app.add_page(sign_in_page, route=routes.SIGN_IN, title=title("Sign in"), on_load=SignInState.on_load)
app.add_page(sign_up_page, route=routes.SIGN_UP, title=title("Sign up"), on_load=SignUpState.on_load)
app.add_page(verify_email_page, route=routes.VERIFY_EMAIL, title=title("Verify email"), on_load=VerifyEmailState.on_load)
app.add_page(forgot_password_page, route=routes.FORGOT_PASSWORD, title=title("Reset password"),
             on_load=ForgotPasswordState.on_load)
app.add_page(reset_password_page, route=routes.RESET_PASSWORD, title=title("New password"),
             on_load=ResetPasswordState.on_load)
app.add_page(magic_link_page, route=routes.MAGIC_LINK, title=title("Sign in"), on_load=MagicLinkState.on_load)
app.add_page(second_factor_page, route=routes.SECOND_FACTOR, title=title("Two-step verification"),
             on_load=SecondFactorState.on_load)
app.add_page(not_me_page, route=routes.NOT_ME, title=title("Secure your account"), on_load=NotMeState.on_load)
app.add_page(invite_page, route=routes.INVITE, title=title("Invitation"), on_load=InviteState.on_load)

# Signed in, no organization needed
app.add_page(org_selection_page, route=routes.ORG_SELECTION, title=title("Choose an organization"),
             on_load=OrgSelectionState.on_load)

# Signed in with an active organization
ORG_GUARD = [AuthState.require_org, ShellState.load, BillingState.load_card]
app.add_page(home_page, route=routes.HOME, title="Resonance", on_load=[*ORG_GUARD, HomeState.load])
app.add_page(voices_page, route=routes.VOICES, title=title("Voices"),
             on_load=[*ORG_GUARD, VoiceCreateState.load, VoicesState.load])
app.add_page(text_to_speech_page, route=routes.TEXT_TO_SPEECH, title=title("Text to Speech"),
             on_load=[*ORG_GUARD, TTSState.load, TTSHistoryState.load])
app.add_page(generation_page, route=routes.GENERATION, title=title("Text to Speech"),
             on_load=[*ORG_GUARD, GenerationState.load, TTSHistoryState.load])
app.add_page(org_settings_page, route=routes.ORG_SETTINGS, title=title("Organization settings"),
             on_load=[*ORG_GUARD, OrgSettingsState.load])
app.add_page(billing_page, route=routes.BILLING, title=title("Billing"), on_load=[*ORG_GUARD, BillingState.load_page])
app.add_page(api_keys_page, route=routes.API_KEYS, title=title("API keys"), on_load=[*ORG_GUARD, ApiKeysState.load])
app.add_page(api_docs_page, route=routes.API_DOCS, title=title("API"), on_load=[*ORG_GUARD, ApiDocsState.load])
app.add_page(account_page, route=routes.ACCOUNT, title=title("Manage account"),
             on_load=[AuthState.require_account, ShellState.load, BillingState.load_card, AccountState.load,
                      TwoStepState.load, PasskeysState.load])

if get_settings().is_dev:
    app.add_page(outbox_page, route=routes.DEV_OUTBOX, title=title("Dev outbox"), on_load=OutboxState.load)
