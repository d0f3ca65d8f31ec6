"""Stripe Checkout, spoken directly over its HTTP API with `requests`.

- A session: POST /v1/checkout/sessions (form-encoded, amount in cents, our reference in the
  metadata, an Idempotency-Key so a retried request does not open two sessions).
- Webhooks: the `Stripe-Signature` header is `t=<unix time>,v1=<hex>[,v1=…]`, where v1 is
  HMAC-SHA256(webhook secret, f"{t}.{raw body}"); we accept any v1 that matches (secret
  rotation) within `tolerance` seconds of now, compared in constant time.
- State: GET /v1/checkout/sessions/<id> — the source of truth for "paid".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import requests
from django.conf import settings

from payments.providers.base import (
    CheckoutRequest,
    CreatedCheckout,
    InvalidSignature,
    PaymentProvider,
    ProviderError,
    SessionState,
    WebhookEvent,
)

TIMEOUT = 15  # seconds


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Stripe-Signature header value for a body (used by tests and tools)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str,
                 tolerance: int = 300, clock=time.time):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base.rstrip("/")
        self.tolerance = tolerance
        self.clock = clock

    @classmethod
    def from_settings(cls) -> StripeProvider:
        return cls(secret_key=settings.STRIPE_SECRET_KEY,
                   webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
                   api_base=settings.STRIPE_API_BASE,
                   tolerance=settings.STRIPE_WEBHOOK_TOLERANCE)

    def is_configured(self) -> bool:
        return bool(self.secret_key and self.webhook_secret)

    # --- API ------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, data=None, idempotency_key: str = "") -> dict:
        headers = {"Authorization": f"Bearer {self.secret_key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(method, self.api_base + path, data=data,
                                        headers=headers, timeout=TIMEOUT)
        except requests.RequestException as err:
            raise ProviderError(f"Stripe unreachable: {err}") from err
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise ProviderError(f"Stripe {response.status_code}: {message}")
        try:
            return response.json()
        except ValueError as err:
            raise ProviderError("Stripe answered something that is not JSON") from err

    def create_checkout(self, request: CheckoutRequest) -> CreatedCheckout:
        cents = int((request.amount * 100).to_integral_value())
        data = {
            "mode": "payment",
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata[reference]": request.reference,
            "metadata[invoice]": request.invoice_number,
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": request.currency.lower(),
            "line_items[0][price_data][unit_amount]": str(cents),
            "line_items[0][price_data][product_data][name]": request.description,
        }
        if request.customer_email:
            data["customer_email"] = request.customer_email
        body = self._call("POST", "/v1/checkout/sessions", data=data,
                          idempotency_key=f"maillage-checkout-{request.reference}")
        try:
            return CreatedCheckout(session_id=body["id"], url=body["url"])
        except KeyError as err:
            raise ProviderError("Stripe session without id or url") from err

    def fetch_session(self, session_id: str) -> SessionState:
        body = self._call("GET", f"/v1/checkout/sessions/{requests.utils.quote(session_id)}")
        total = body.get("amount_total")
        payment_intent = body.get("payment_intent") or ""
        if isinstance(payment_intent, dict):
            payment_intent = payment_intent.get("id", "")
        return SessionState(
            session_id=body.get("id", ""),
            paid=body.get("payment_status") == "paid",
            expired=body.get("status") == "expired",
            amount=(Decimal(total) / 100).quantize(Decimal("0.01")) if total is not None
            else None,
            currency=(body.get("currency") or "").upper(),
            reference=(body.get("metadata") or {}).get("reference", "")
            or body.get("client_reference_id") or "",
            payment_reference=payment_intent,
        )

    # --- Webhooks -------------------------------------------------------------------------
    def parse_webhook(self, body: bytes, headers) -> WebhookEvent:
        if not self.webhook_secret:
            raise InvalidSignature("no webhook secret configured")
        header = headers.get("Stripe-Signature", "")
        timestamp, signatures = None, []
        for part in header.split(","):
            key, _sep, value = part.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value)
        if timestamp is None or not timestamp.isdigit() or not signatures:
            raise InvalidSignature("malformed Stripe-Signature header")
        if abs(self.clock() - int(timestamp)) > self.tolerance:
            raise InvalidSignature("timestamp outside the tolerance")
        expected = sign(self.webhook_secret, body, int(timestamp)).split("v1=", 1)[1]
        if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            raise InvalidSignature("no signature matches")
        try:
            event = json.loads(body)
            event_id, event_type = event["id"], event["type"]
            obj = (event.get("data") or {}).get("object") or {}
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise InvalidSignature("signed body is not a Stripe event") from err
        session_id = obj.get("id", "") if obj.get("object") == "checkout.session" else ""
        return WebhookEvent(event_id=str(event_id), event_type=str(event_type),
                            session_id=str(session_id), raw=body.decode("utf-8", "replace"))
