"""Online payment of an invoice through the configured provider.

The member's click opens a checkout session at the provider and redirects there. The browser's
return changes nothing. Only a webhook whose signature verifies leads to a Payment, and only
after our server has fetched the session from the provider's API and found it paid for the
amount we asked. Each webhook is stored under its event id in the same transaction as its
effect: a replay finds the row and changes nothing; an event that arrives out of order is
harmless because the decision is taken on the session's state fetched from the provider
("paid" is final; "expired" only closes a session that is still open).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod
from billing.selectors import balance_of
from billing.services.payments import record_system_payment
from core import audit
from payments.errors import PaymentsError
from payments.models import CheckoutSession, CheckoutStatus, EventOutcome, ProviderEvent
from payments.providers.base import CheckoutRequest, PaymentProvider, ProviderError

log = logging.getLogger(__name__)

# Event types that concern a checkout session's payment; every other type is stored and ignored.
SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def start_checkout(member, invoice: Invoice, *, provider: PaymentProvider, now) -> str:
    """Open a checkout session for what remains due on the member's own invoice; returns the
    provider's URL to redirect to."""
    if (invoice.network_id != member.network_id or invoice.buyer_member_id != member.pk
            or invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.ISSUED):
        raise PaymentsError("not_yours", _("Cette facture ne peut pas être réglée ici."))
    balance = balance_of(invoice)
    if balance <= 0:
        raise PaymentsError("paid", _("Cette facture est déjà réglée."))
    checkout = CheckoutSession.objects.create(
        network=invoice.network, invoice=invoice, member=member, provider=provider.name,
        amount=balance, created_at=now, updated_at=now)
    slug = invoice.network.slug
    return_url = settings.SITE_URL.rstrip("/") + reverse("payments_return", args=[slug])
    try:
        created = provider.create_checkout(CheckoutRequest(
            reference=str(checkout.pk), invoice_number=invoice.number, amount=balance,
            currency=checkout.currency, customer_email=member.user.email,
            success_url=f"{return_url}?paiement={checkout.pk}",
            cancel_url=f"{return_url}?paiement={checkout.pk}&annule=1",
            description=_("Facture %(number)s — %(network)s") % {
                "number": invoice.number, "network": invoice.network.name}))
    except ProviderError as err:
        log.error("checkout for invoice %s failed: %s", invoice.number, err)
        CheckoutSession.objects.filter(pk=checkout.pk).update(status=CheckoutStatus.REFUSED,
                                                              updated_at=now)
        raise PaymentsError("provider", _("Le paiement en ligne est indisponible pour le "
                                          "moment ; réessayez plus tard.")) from err
    CheckoutSession.objects.filter(pk=checkout.pk).update(session_id=created.session_id,
                                                          updated_at=now)
    return created.url


def handle_webhook(provider: PaymentProvider, body: bytes, headers, *, now) -> ProviderEvent:
    """Verify, store and apply one webhook. Raises InvalidSignature (→ 400) and
    ProviderError when the provider cannot be asked (→ 503, the provider retries)."""
    event = provider.parse_webhook(body, headers)
    existing = ProviderEvent.objects.filter(provider=provider.name,
                                            event_id=event.event_id).first()
    if existing is not None:
        return existing
    checkout = None
    if event.event_type in SESSION_EVENTS and event.session_id:
        checkout = CheckoutSession.objects.filter(provider=provider.name,
                                                  session_id=event.session_id).first()
    state = provider.fetch_session(event.session_id) if checkout is not None else None
    try:
        with transaction.atomic():
            row = ProviderEvent.objects.create(
                provider=provider.name, event_id=event.event_id, event_type=event.event_type,
                checkout=checkout, payload=event.raw, outcome=EventOutcome.IGNORED,
                received_at=now)
            if checkout is not None:
                row.outcome, row.detail = _apply(checkout, state, event, now=now)
                row.save(update_fields=["outcome", "detail"])
    except IntegrityError:
        # The same event delivered twice at once: the other delivery stored it.
        return ProviderEvent.objects.get(provider=provider.name, event_id=event.event_id)
    return row


def _apply(checkout: CheckoutSession, state, event, *, now) -> tuple[str, str]:
    checkout = CheckoutSession.objects.select_for_update().select_related(
        "invoice__network").get(pk=checkout.pk)
    if state.session_id != checkout.session_id or state.reference != str(checkout.pk):
        log.error("provider event %s: session %s does not match our checkout %s",
                  event.event_id, state.session_id, checkout.pk)
        return EventOutcome.REFUSED, "session/reference mismatch"
    if state.paid:
        if checkout.payment_id is not None:
            return EventOutcome.NO_CHANGE, "already recorded"
        if state.amount != checkout.amount or state.currency != checkout.currency:
            log.error("provider event %s: paid %s %s for checkout %s of %s %s — refused",
                      event.event_id, state.amount, state.currency, checkout.pk,
                      checkout.amount, checkout.currency)
            _set_status(checkout, CheckoutStatus.REFUSED, now)
            return EventOutcome.REFUSED, f"amount mismatch: {state.amount} {state.currency}"
        invoice = checkout.invoice
        try:
            payment = record_system_payment(
                invoice, amount=checkout.amount, method=PaymentMethod.ONLINE,
                received_on=now.astimezone(invoice.network.tz).date(),
                reference=f"{checkout.provider} {state.payment_reference or state.session_id}"
                [:100], source=f"{checkout.provider}:{event.event_id}", now=now)
        except BillingError as err:
            # Money was taken but cannot be booked on this invoice (paid meanwhile by other
            # means, closed period): staff must refund or re-allocate; logged for them.
            log.error("provider event %s: payment for invoice %s refused: %s",
                      event.event_id, invoice.number, err.code)
            _set_status(checkout, CheckoutStatus.REFUSED, now)
            audit.record(network=checkout.network, actor=None,
                         action="payments.online.refused", target=checkout,
                         data={"invoice": invoice.number, "reason": err.code,
                               "amount": str(checkout.amount)})
            return EventOutcome.REFUSED, f"billing refused: {err.code}"
        checkout.payment = payment
        _set_status(checkout, CheckoutStatus.PAID, now, also=["payment"])
        return EventOutcome.RECORDED, ""
    if checkout.status != CheckoutStatus.OPEN:
        return EventOutcome.NO_CHANGE, f"checkout already {checkout.status}"
    if state.expired or event.event_type == "checkout.session.async_payment_failed":
        _set_status(checkout, CheckoutStatus.EXPIRED, now)
        return EventOutcome.UPDATED, "expired" if state.expired else "payment failed"
    return EventOutcome.NO_CHANGE, "not paid yet"


def _set_status(checkout, status, now, also=()):
    checkout.status, checkout.updated_at = status, now
    checkout.save(update_fields=["status", "updated_at", *also])
