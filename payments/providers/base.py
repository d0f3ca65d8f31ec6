"""The interface every online payment provider implements.

Our code speaks only to this interface: the member's "Payer en ligne" creates a checkout
session here, and the webhook view hands the raw request to `parse_webhook` (which verifies
the provider's signature) and then asks `fetch_session` for the session's state from the
provider's API. Nothing is ever marked paid on the browser's word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


class ProviderError(Exception):
    """The provider could not be reached or refused the request."""


class InvalidSignature(Exception):
    """A webhook whose signature does not verify (or is too old): refused with 400."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str          # our CheckoutSession id, echoed back in the metadata
    invoice_number: str
    amount: Decimal
    currency: str
    customer_email: str
    success_url: str
    cancel_url: str
    description: str


@dataclass(frozen=True)
class CreatedCheckout:
    session_id: str
    url: str


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event_type: str
    session_id: str          # empty when the event is not about a checkout session
    raw: str


@dataclass(frozen=True)
class SessionState:
    session_id: str
    paid: bool               # the provider says the money is captured
    expired: bool
    amount: Decimal | None
    currency: str
    reference: str           # our CheckoutSession id from the metadata
    payment_reference: str   # the provider's payment id, kept on our Payment row
    extra: dict = field(default_factory=dict)


class PaymentProvider:
    name = ""

    def is_configured(self) -> bool:
        raise NotImplementedError

    def create_checkout(self, request: CheckoutRequest) -> CreatedCheckout:
        raise NotImplementedError

    def parse_webhook(self, body: bytes, headers) -> WebhookEvent:
        """Verify the signature and return the event, or raise InvalidSignature."""
        raise NotImplementedError

    def fetch_session(self, session_id: str) -> SessionState:
        raise NotImplementedError


def get_provider(name: str | None = None) -> PaymentProvider | None:
    """The configured provider, or None when online payment is switched off."""
    from django.conf import settings

    name = settings.PAYMENTS_PROVIDER if name is None else name
    if name == "stripe":
        from payments.providers.stripe import StripeProvider

        provider = StripeProvider.from_settings()
    elif not name:
        return None
    else:
        raise ProviderError(f"unknown payment provider {name!r}")
    return provider if provider.is_configured() else None
