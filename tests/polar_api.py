"""A stand-in for Polar's API on loopback, for tests that drive the real polar-sdk client against it.

Polar's servers cannot be reached from CI, so this plays them: it answers the endpoints the app calls with bodies
shaped as Polar documents them (the polar-sdk 1.x models under `polar.v2026_10.outputs` load them), records every
request, can be told to fail, and sends signed webhooks (Standard Webhooks) like Polar does.

Use (unit tests and browser tests alike):

    from tests.polar_api import PolarAPI

    with PolarAPI(webhook_url=app_url + "/api/webhooks/polar") as polar:
        # configure the app: POLAR_ACCESS_TOKEN=<anything>, POLAR_PRODUCT_ID=polar.product_id,
        #                    POLAR_SERVER_URL=polar.url, POLAR_WEBHOOK_SECRET=polar.webhook_secret
        ...
        polar.requests("POST", "/v1/checkouts/")[-1].json     # what the app sent
        polar.events()                                       # usage events accepted (deduplicated by external_id)
        polar.fail("/v1/events/ingest", times=2)             # the next 2 calls answer 500
        polar.stall("/v1/events/ingest", seconds=2)          # the next call answers only after 2 s
        polar.heal()                                         # no more failures
        polar.subscribe(org_id)                              # the org now has an active subscription
        polar.send_webhook("subscription.active", polar.subscription(org_id))   # signed POST to webhook_url
        body, headers = polar.signed("customer.state_changed", polar.customer_state(org_id))  # for a test client

Endpoints (JSON, `Authorization: Bearer …` required):
- POST /v1/checkouts/                          → Checkout; its `url` is this server's checkout page
- POST /v1/customer-sessions/                  → CustomerSession; `customer_portal_url` is this server's portal page
- GET  /v1/customers/external/{id}/state       → CustomerState, or 404 ResourceNotFound for an unknown customer
- POST /v1/events/ingest                       → {"inserted", "duplicates"}; repeats of an external_id are dropped

Pages a browser follows (no token):
- GET  /checkout/{id}       "Polar checkout" page with a "Pay" button (id="pay", a form posting to .../pay)
- GET|POST /checkout/{id}/pay   completes the checkout: the customer (external id = the checkout's
  external_customer_id) gets an active subscription, the webhooks checkout.updated, subscription.active and
  customer.state_changed are POSTed (signed) to `webhook_url`, and the browser is redirected (303) to the
  checkout's success_url with {CHECKOUT_ID} filled in. `polar.webhook_results` lists (type, status) of each send.
- GET  /portal/{token}      "Customer portal" page with a "Back to Resonance" link to the session's return_url.

Usage events of `tts_generation` add their `metadata.characters` to the subscription's meter; its `amount` (cents)
is the units at PRICE_CENTS_PER_UNIT, as a metered unit price of $0.30 per 1,000 characters would give.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRICE_CENTS_PER_UNIT = Decimal("0.03")  # $0.30 per 1,000 characters


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def uid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-a{raw[17:20]}-{raw[20:32]}"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    json: object


@dataclass
class Rule:
    prefix: str
    times: int
    status: int = 500
    stall_s: float = 0.0


@dataclass
class Customer:
    external_id: str
    email: str
    name: str | None
    id: str = field(default_factory=uid)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    subscription: dict | None = None  # the Subscription body, while one exists
    consumed_units: float = 0.0


class PolarAPI:
    def __init__(self, *, product_id: str = "", webhook_url: str | None = None, webhook_secret: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, token: str = "polar_oat_test") -> None:
        self.product_id = product_id or uid()
        self.meter_id = uid()
        self.price_id = uid()
        self.organization_id = uid()
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        self.token = token
        self.received: list[Received] = []
        self.customers: dict[str, Customer] = {}
        self.checkouts: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self.accepted: dict[str, dict] = {}  # external_id → event, in arrival order
        self.webhook_results: list[tuple[str, int]] = []
        self._rules: list[Rule] = []
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # Lifecycle

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> PolarAPI:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="polar-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> PolarAPI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # Inspecting and steering

    def requests(self, method: str | None = None, path_prefix: str = "") -> list[Received]:
        with self._lock:
            return [r for r in self.received
                    if (method is None or r.method == method) and r.path.startswith(path_prefix)]

    def events(self) -> list[dict]:
        with self._lock:
            return list(self.accepted.values())

    def fail(self, path_prefix: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` requests under `path_prefix` answer `status` without doing anything."""
        with self._lock:
            self._rules.append(Rule(path_prefix, times, status=status))

    def heal(self) -> None:
        """Forget every pending failure: Polar is back."""
        with self._lock:
            self._rules.clear()

    def stall(self, path_prefix: str, *, seconds: float, times: int = 1) -> None:
        """The next `times` requests under `path_prefix` are answered (and done) only after `seconds`."""
        with self._lock:
            self._rules.append(Rule(path_prefix, times, stall_s=seconds))

    # Customers and subscriptions

    def customer(self, external_id: str, *, email: str = "billing@example.com", name: str | None = None) -> Customer:
        with self._lock:
            if external_id not in self.customers:
                self.customers[external_id] = Customer(external_id, email, name)
            return self.customers[external_id]

    def subscribe(self, external_id: str, *, email: str = "billing@example.com", name: str | None = None,
                  checkout_id: str | None = None) -> dict:
        """Give the customer an active monthly subscription to the product (a paid checkout does this)."""
        customer = self.customer(external_id, email=email, name=name)
        now = datetime.now(UTC).replace(microsecond=0)
        customer.subscription = {
            "id": uid(), "created_at": iso(now), "status": "active", "started_at": iso(now), "checkout_id": checkout_id,
            "current_period_start": iso(now), "current_period_end": iso(now + timedelta(days=30)),
            "cancel_at_period_end": False, "canceled_at": None, "ends_at": None, "ended_at": None,
        }
        customer.consumed_units = 0.0
        return self.subscription(external_id)

    def cancel(self, external_id: str) -> dict:
        """Cancel at period end: still active until then."""
        sub = self.customers[external_id].subscription
        now = iso(datetime.now(UTC))
        sub.update(cancel_at_period_end=True, canceled_at=now, ends_at=sub["current_period_end"])
        return self.subscription(external_id)

    def uncancel(self, external_id: str) -> dict:
        self.customers[external_id].subscription.update(cancel_at_period_end=False, canceled_at=None, ends_at=None)
        return self.subscription(external_id)

    def revoke(self, external_id: str) -> dict:
        """End the subscription now."""
        now = iso(datetime.now(UTC))
        self.customers[external_id].subscription.update(status="canceled", ended_at=now, ends_at=now,
                                                         canceled_at=now)
        return self.subscription(external_id)

    # Bodies, as Polar's API documents them

    def _price(self) -> dict:
        return {
            "created_at": iso(datetime(2026, 1, 1, tzinfo=UTC)), "modified_at": None, "id": self.price_id,
            "source": "catalog", "amount_type": "metered_unit", "price_currency": "usd", "tax_behavior": None,
            "is_archived": False, "product_id": self.product_id, "cap_amount": None, "meter_id": self.meter_id,
            "meter": {"id": self.meter_id, "name": "Characters", "unit": "scalar", "custom_label": None,
                      "custom_multiplier": None},
            "unit_amount": str(PRICE_CENTS_PER_UNIT),
        }

    def _product_base(self) -> dict:
        return {
            "id": self.product_id, "created_at": iso(datetime(2026, 1, 1, tzinfo=UTC)), "modified_at": None,
            "trial_interval": None, "trial_interval_count": None, "name": "Resonance speech",
            "description": "Pay as you go: $0.30 per 1,000 characters", "visibility": "public",
            "recurring_interval": "month", "recurring_interval_count": 1, "meter_interval": "month",
            "meter_interval_count": 1, "is_recurring": True, "is_archived": False,
            "organization_id": self.organization_id,
        }

    def product(self) -> dict:
        return {**self._product_base(), "metadata": {}, "is_deletable": False, "prices": [self._price()],
                "benefits": [], "medias": [], "attached_custom_fields": []}

    def _customer_body(self, customer: Customer) -> dict:
        return {
            "id": customer.id, "created_at": iso(customer.created_at), "modified_at": None, "metadata": {},
            "external_id": customer.external_id, "email": customer.email, "email_verified": False,
            "type": "individual", "name": customer.name, "billing_name": None, "billing_address": None,
            "tax_id": None, "organization_id": self.organization_id, "deleted_at": None,
            "first_user_event_at": None, "avatar_url": None,
        }

    def _amount_cents(self, customer: Customer) -> int:
        return int((Decimal(str(customer.consumed_units)) * PRICE_CENTS_PER_UNIT).quantize(Decimal(1)))

    def _subscription_core(self, customer: Customer) -> dict:
        sub = customer.subscription
        return {
            "created_at": sub["created_at"], "modified_at": iso(datetime.now(UTC)), "id": sub["id"], "amount": 0,
            "currency": "usd", "recurring_interval": "month", "recurring_interval_count": 1, "status": sub["status"],
            "current_period_start": sub["current_period_start"], "current_period_end": sub["current_period_end"],
            "current_meter_period_start": sub["current_period_start"],
            "current_meter_period_end": sub["current_period_end"], "trial_start": None, "trial_end": None,
            "cancel_at_period_end": sub["cancel_at_period_end"], "canceled_at": sub["canceled_at"],
            "started_at": sub["started_at"], "ends_at": sub["ends_at"], "ended_at": sub["ended_at"],
            "pause_at_period_end": False, "paused_at": None, "resumes_at": None, "customer_id": customer.id,
            "product_id": self.product_id, "discount_id": None, "checkout_id": sub["checkout_id"], "units": None,
            "customer_cancellation_reason": None, "customer_cancellation_comment": None, "metadata": {},
        }

    def subscription(self, external_id: str) -> dict:
        """The customer's Subscription (the `data` of subscription.* webhooks)."""
        customer = self.customers[external_id]
        return {**self._subscription_core(customer), "customer": self._customer_body(customer),
                "product": self.product(), "discount": None, "prices": [self._price()], "meters": [],
                "pending_update": None}

    def customer_state(self, external_id: str) -> dict:
        """CustomerState (GET …/state and the `data` of customer.state_changed)."""
        customer = self.customers[external_id]
        active = []
        sub = customer.subscription
        if sub is not None and sub["status"] in ("active", "trialing"):
            now = iso(datetime.now(UTC))
            active.append({
                "id": sub["id"], "created_at": sub["created_at"], "modified_at": None, "metadata": {},
                "status": sub["status"], "amount": 0, "currency": "usd", "recurring_interval": "month",
                "current_period_start": sub["current_period_start"], "current_period_end": sub["current_period_end"],
                "trial_start": None, "trial_end": None, "cancel_at_period_end": sub["cancel_at_period_end"],
                "canceled_at": sub["canceled_at"], "started_at": sub["started_at"], "ends_at": sub["ends_at"],
                "product_id": self.product_id, "discount_id": None, "seats": None, "units": None,
                "meters": [{"created_at": now, "modified_at": None, "id": uid(), "meter_id": self.meter_id,
                            "consumed_units": customer.consumed_units, "credited_units": 0,
                            "amount": self._amount_cents(customer)}],
            })
        meters = [] if not active else [{
            "id": uid(), "created_at": sub["created_at"], "modified_at": None, "meter_id": self.meter_id,
            "consumed_units": customer.consumed_units, "credited_units": 0, "balance": -customer.consumed_units,
        }]
        return {**self._customer_body(customer), "active_subscriptions": active, "granted_benefits": [],
                "active_meters": meters}

    def order(self, external_id: str) -> dict:
        """A paid Order for the subscription's first period (the `data` of order.paid)."""
        customer = self.customers[external_id]
        core = self._subscription_core(customer)
        return {
            "id": uid(), "created_at": iso(datetime.now(UTC)), "modified_at": None, "status": "paid", "paid": True,
            "subtotal_amount": 0, "discount_amount": 0, "net_amount": 0, "tax_amount": 0, "total_amount": 0,
            "applied_balance_amount": 0, "due_amount": 0, "refunded_amount": 0, "refunded_tax_amount": 0,
            "currency": "usd", "billing_reason": "subscription_create", "billing_name": None,
            "billing_address": None, "invoice_number": None, "is_invoice_generated": False,
            "receipt_number": None, "units": None, "customer_id": customer.id, "product_id": self.product_id,
            "discount_id": None, "subscription_id": core["id"], "checkout_id": core["checkout_id"], "metadata": {},
            "platform_fee_amount": 0, "platform_fee_currency": None, "customer": self._customer_body(customer),
            "product": {**self._product_base(), "metadata": {}}, "discount": None, "subscription": core,
            "items": [], "description": "Resonance speech", "refundable_amount": 0, "refundable_tax_amount": 0,
        }

    def checkout(self, checkout_id: str) -> dict:
        """The Checkout body (POST /v1/checkouts/ answer and the `data` of checkout.* webhooks)."""
        stored = self.checkouts[checkout_id]
        body = stored["request"]
        product = {**self._product_base(), "prices": [self._price()], "benefits": [], "medias": []}
        return {
            "id": checkout_id, "created_at": stored["created_at"], "modified_at": None,
            "payment_processor": "stripe", "status": stored["status"],
            "client_secret": stored["client_secret"], "url": f"{self.url}/checkout/{checkout_id}",
            "expires_at": iso(datetime.now(UTC) + timedelta(hours=1)), "success_url": body.get("success_url") or "",
            "return_url": body.get("return_url"), "embed_origin": None, "amount": 0, "units": None,
            "min_units": None, "max_units": None, "discount_amount": 0, "net_amount": 0, "tax_amount": None,
            "tax_behavior": None, "total_amount": 0, "currency": "usd", "allow_trial": None,
            "active_trial_interval": None, "active_trial_interval_count": None, "trial_end": None,
            "organization_id": self.organization_id, "product_id": self.product_id,
            "product_price_id": self.price_id, "discount_id": None,
            "allow_discount_codes": body.get("allow_discount_codes", True), "require_billing_address": False,
            "is_discount_applicable": False, "is_free_product_price": False, "is_payment_required": False,
            "is_payment_setup_required": True, "is_payment_form_required": True, "customer_id": None,
            "is_business_customer": False, "customer_name": body.get("customer_name"),
            "customer_email": body.get("customer_email"), "customer_ip_address": None,
            "customer_billing_name": None, "customer_billing_address": None, "customer_tax_id": None,
            "payment_method_type": None, "payment_processor_metadata": {},
            "billing_address_fields": {"country": "required", "state": "disabled", "city": "disabled",
                                       "postal_code": "disabled", "line1": "disabled", "line2": "disabled"},
            "trial_interval": None, "trial_interval_count": None, "metadata": body.get("metadata") or {},
            "external_customer_id": body.get("external_customer_id"), "products": [product], "product": product,
            "product_price": self._price(), "prices": {self.product_id: [self._price()]}, "discount": None,
            "subscription_id": stored.get("subscription_id"), "attached_custom_fields": [], "customer_metadata": {},
        }

    # Webhooks (Standard Webhooks signatures, as Polar signs them)

    def signed(self, event_type: str, data: dict, *, webhook_id: str | None = None, timestamp: float | None = None,
               secret: str | None = None, raw_body: bytes | None = None) -> tuple[bytes, dict[str, str]]:
        """A webhook body and its headers: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{ts}.{body}">`.

        The key is the secret's base64 part after `whsec_`, decoded (Standard Webhooks)."""
        webhook_id = webhook_id or "msg_" + secrets.token_hex(12)
        stamp = int(time.time() if timestamp is None else timestamp)
        body = raw_body if raw_body is not None else json.dumps(
            {"type": event_type, "timestamp": iso(datetime.fromtimestamp(stamp, UTC)), "api_version": "2026-10",
             "data": data}).encode()
        key = base64.b64decode((secret or self.webhook_secret).removeprefix("whsec_"))
        digest = hmac.new(key, f"{webhook_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        headers = {"webhook-id": webhook_id, "webhook-timestamp": str(stamp),
                   "webhook-signature": "v1," + base64.b64encode(digest).decode(), "content-type": "application/json"}
        return body, headers

    def send_webhook(self, event_type: str, data: dict, *, url: str | None = None, **signing) -> tuple[int, str]:
        """POST a signed webhook to `url` (default: webhook_url), as Polar delivers it; returns (status, body)."""
        body, headers = self.signed(event_type, data, **signing)
        request = urllib.request.Request(url or self.webhook_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            result = error.code, error.read().decode()
        with self._lock:
            self.webhook_results.append((event_type, result[0]))
        return result

    # Serving

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                api._serve(self, "GET")

            def do_POST(self) -> None:
                api._serve(self, "POST")

        return Handler

    def _serve(self, http: BaseHTTPRequestHandler, method: str) -> None:
        length = int(http.headers.get("content-length") or 0)
        raw = http.rfile.read(length) if length else b""
        path = http.path.split("?", 1)[0]
        try:
            parsed = json.loads(raw) if raw and "json" in (http.headers.get("content-type") or "") else None
        except ValueError:
            parsed = None
        with self._lock:
            self.received.append(Received(method, path, {k.lower(): v for k, v in http.headers.items()}, parsed))
            rule = next((r for r in self._rules if path.startswith(r.prefix) and r.times > 0), None)
            if rule is not None:
                rule.times -= 1
        if rule is not None and rule.stall_s:
            time.sleep(rule.stall_s)
        elif rule is not None:
            return self._send(http, rule.status, {"detail": "Internal Server Error"})
        try:
            if path.startswith("/v1/"):
                if http.headers.get("authorization", "") != f"Bearer {self.token}":
                    return self._send(http, 401, {"error": "Unauthorized", "detail": "Invalid token"})
                return self._api(http, method, path, parsed)
            return self._page(http, method, path)
        except BrokenPipeError:
            pass

    def _api(self, http, method: str, path: str, body) -> None:
        if method == "POST" and path == "/v1/checkouts/":
            if not isinstance(body, dict) or not body.get("products"):
                return self._invalid(http, "products", "Field required")
            checkout_id = uid()
            with self._lock:
                self.checkouts[checkout_id] = {"request": body, "status": "open", "created_at": iso(datetime.now(UTC)),
                                               "client_secret": "polar_c_" + secrets.token_urlsafe(24)}
            return self._send(http, 201, self.checkout(checkout_id))
        if method == "POST" and path == "/v1/customer-sessions/":
            external_id = (body or {}).get("external_customer_id")
            if external_id not in self.customers:
                return self._invalid(http, "external_customer_id", "Customer does not exist.")
            customer = self.customers[external_id]
            token = "polar_cst_" + secrets.token_urlsafe(24)
            with self._lock:
                self.portal_sessions[token] = {"return_url": body.get("return_url"), "external_id": external_id}
            now = datetime.now(UTC)
            return self._send(http, 201, {
                "created_at": iso(now), "modified_at": None, "id": uid(), "token": token,
                "expires_at": iso(now + timedelta(hours=1)), "return_url": body.get("return_url"),
                "customer_portal_url": f"{self.url}/portal/{token}", "customer_id": customer.id,
                "customer": self._customer_body(customer),
            })
        found = re.fullmatch(r"/v1/customers/external/([^/]+)/state", path)
        if method == "GET" and found:
            external_id = urllib.request.unquote(found.group(1))
            if external_id not in self.customers:
                return self._send(http, 404, {"error": "ResourceNotFound", "detail": "Not found"})
            return self._send(http, 200, self.customer_state(external_id))
        if method == "POST" and path == "/v1/events/ingest":
            events = (body or {}).get("events")
            if not isinstance(events, list):
                return self._invalid(http, "events", "Field required")
            inserted = duplicates = 0
            with self._lock:
                for event in events:
                    key = event.get("external_id") or uid()
                    if key in self.accepted:
                        duplicates += 1
                        continue
                    self.accepted[key] = event
                    inserted += 1
                    customer = self.customers.get(event.get("external_customer_id"))
                    if customer is not None and event.get("name") == "tts_generation":
                        customer.consumed_units += float((event.get("metadata") or {}).get("characters") or 0)
            return self._send(http, 200, {"inserted": inserted, "duplicates": duplicates})
        return self._send(http, 404, {"detail": "Not Found"})

    def _page(self, http, method: str, path: str) -> None:
        found = re.fullmatch(r"/checkout/([^/]+)(/pay)?", path)
        if found and found.group(1) in self.checkouts:
            checkout_id = found.group(1)
            if found.group(2):
                return self._pay(http, checkout_id)
            request = self.checkouts[checkout_id]["request"]
            name, email = html.escape(str(request.get("customer_name"))), html.escape(str(request.get("customer_email")))
            return self._html(http, 200, f"""<h1>Polar checkout</h1>
<p>Resonance speech: $0.30 per 1,000 characters</p>
<p>Customer: {name} &lt;{email}&gt;</p>
<form method="post" action="/checkout/{checkout_id}/pay"><button id="pay" type="submit">Pay</button></form>""")
        found = re.fullmatch(r"/portal/([^/]+)", path)
        if found and found.group(1) in self.portal_sessions:
            back = html.escape(self.portal_sessions[found.group(1)]["return_url"] or "/")
            return self._html(http, 200, f'<h1>Customer portal</h1><a id="back" href="{back}">Back to Resonance</a>')
        return self._html(http, 404, "<h1>Not found</h1>")

    def _pay(self, http, checkout_id: str) -> None:
        stored = self.checkouts[checkout_id]
        request = stored["request"]
        external_id = request.get("external_customer_id") or uid()
        subscription = self.subscribe(external_id, email=request.get("customer_email") or "billing@example.com",
                                      name=request.get("customer_name"), checkout_id=checkout_id)
        with self._lock:
            stored.update(status="succeeded", subscription_id=subscription["id"])
        if self.webhook_url:
            for event_type, data in (("checkout.updated", self.checkout(checkout_id)),
                                     ("subscription.active", self.subscription(external_id)),
                                     ("customer.state_changed", self.customer_state(external_id))):
                try:
                    self.send_webhook(event_type, data)
                except OSError:
                    with self._lock:
                        self.webhook_results.append((event_type, 0))
        success = (request.get("success_url") or "/").replace("{CHECKOUT_ID}", checkout_id)
        http.send_response(303)
        http.send_header("Location", success)
        http.send_header("Content-Length", "0")
        http.end_headers()

    def _invalid(self, http, name: str, message: str) -> None:
        self._send(http, 422, {"detail": [{"loc": ["body", name], "msg": message, "type": "value_error"}]})

    def _send(self, http, status: int, body) -> None:
        data = json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/json")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)

    def _html(self, http, status: int, content: str) -> None:
        data = f"<!doctype html><html><head><title>Polar</title></head><body>{content}</body></html>".encode()
        http.send_response(status)
        http.send_header("Content-Type", "text/html; charset=utf-8")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)
