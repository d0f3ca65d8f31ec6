"""Payments fixtures: the billing world (legal identity, invoices), a SEPA creditor, and a
local HTTP server that imitates the parts of Stripe's API we use."""

import datetime as dt
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from payments.models import PaymentSettings
from payments.providers.stripe import sign
from tests.billing.conftest import _guards_survive_flush, billed, issue  # noqa: F401

SECRET_KEY = "sk_test_maillage"
WEBHOOK_SECRET = "whsec_maillage"
IBAN_A = "FR7630006000011234567890189"
BIC_A = "AGRIFRPP"
IBAN_B = "DE89370400440532013000"
BIC_B = "COBADEFFXXX"


@pytest.fixture
def creditor(billed):  # noqa: F811 - the imported fixture
    PaymentSettings.objects.update_or_create(network=billed.network, defaults={
        "creditor_name": "Association Tiers-lieux du Plateau", "creditor_id": "FR72ZZZ123456",
        "creditor_iban": "FR1420041010050500013M02606", "creditor_bic": "PSSTFRPPLYO"})
    return billed


class FakeStripe:
    """State of the imitation: sessions by id, requests received."""

    def __init__(self):
        self.sessions = {}
        self.requests = []
        self.by_idempotency = {}
        self.lock = threading.Lock()

    def create(self, form, idempotency_key):
        with self.lock:
            if idempotency_key in self.by_idempotency:
                return self.by_idempotency[idempotency_key]
            sid = f"cs_test_{len(self.sessions) + 1:04d}"
            session = {
                "id": sid, "object": "checkout.session", "url": f"https://pay.example/{sid}",
                "mode": form["mode"], "status": "open", "payment_status": "unpaid",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"])
                * int(form["line_items[0][quantity]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"reference": form.get("metadata[reference]"),
                             "invoice": form.get("metadata[invoice]")},
                "customer_email": form.get("customer_email"),
                "success_url": form["success_url"], "cancel_url": form["cancel_url"],
                "payment_intent": None,
            }
            self.sessions[sid] = session
            self.by_idempotency[idempotency_key] = session
            return session

    # What the customer and Stripe do on their side:
    def pay(self, sid, *, amount_total=None):
        session = self.sessions[sid]
        session.update(status="complete", payment_status="paid",
                       payment_intent=f"pi_{sid[8:]}")
        if amount_total is not None:
            session["amount_total"] = amount_total

    def expire(self, sid):
        self.sessions[sid].update(status="expired")

    def event(self, event_id, event_type, sid, *, secret=WEBHOOK_SECRET, timestamp=None):
        """A webhook body and its Stripe-Signature header, as Stripe would send them."""
        body = json.dumps({"id": event_id, "object": "event", "type": event_type,
                           "data": {"object": dict(self.sessions.get(sid) or {"id": sid})}}
                          ).encode()
        return body, sign(secret, body, timestamp or int(time.time()))


def _handler(fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self):
            if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                self._reply(401, {"error": {"message": "Invalid API Key provided"}})
                return False
            return True

        def do_POST(self):  # noqa: N802
            fake.requests.append(("POST", self.path, dict(self.headers)))
            if not self._authorised():
                return
            if self.path != "/v1/checkout/sessions":
                return self._reply(404, {"error": {"message": "Unrecognized request URL"}})
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            fake.requests[-1] += (form,)
            self._reply(200, fake.create(form, self.headers.get("Idempotency-Key", "")))

        def do_GET(self):  # noqa: N802
            fake.requests.append(("GET", self.path, dict(self.headers)))
            if not self._authorised():
                return
            prefix = "/v1/checkout/sessions/"
            sid = self.path[len(prefix):] if self.path.startswith(prefix) else ""
            if sid not in fake.sessions:
                return self._reply(404, {"error": {"message": f"No such checkout.session: "
                                                              f"'{sid}'"}})
            self._reply(200, fake.sessions[sid])

    return Handler


@pytest.fixture
def stripe(settings):
    """A running imitation of Stripe on 127.0.0.1, and our settings pointing at it."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def due_invoice(world, *, member=None, organisation=None, amount="100.00",
                day=dt.date(2026, 11, 2)):
    """An issued invoice (franchise: gross = net)."""
    from billing.services import LineInput

    return issue(world.network, member=member, organisation=organisation, day=day,
                 lines=[LineInput("Abonnement novembre 2026", Decimal(amount))])
