"""Manual payments (cash, cheque, transfer) recorded by staff, and payment reversals."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import (
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    PaymentReversal,
    ReversalReason,
)
from billing.selectors import balance_of
from billing.services.ledger import append_entry, check_open
from core import audit
from core.money import money, to_decimal
from members.selectors import is_network_staff


def record_payment(invoice: Invoice, *, amount, method: str, received_on: dt.date,
                   reference: str = "", actor, now) -> Payment:
    """Record money received for an issued invoice, by a concierge or coordinator of its
    network. Partial payments are fine; more than the balance is refused; a cheque needs its
    number and bank remittance reference; the date may be neither future nor in a closed
    period. The payment is chained into the ledger."""
    if not is_network_staff(actor, invoice.network):
        raise BillingError("forbidden", _("Seule l'équipe du réseau enregistre les paiements."))
    return _record(invoice, amount=amount, method=method, received_on=received_on,
                   reference=reference, actor=actor, now=now)


# Methods whose confirmation comes from a machine (bank batch, provider webhook), not a person.
SYSTEM_METHODS = (PaymentMethod.DIRECT_DEBIT, PaymentMethod.ONLINE)


def record_system_payment(invoice: Invoice, *, amount, method: str, received_on: dt.date,
                          reference: str, source: str, now) -> Payment:
    """Record a payment confirmed by the payment machinery (a provider's verified webhook),
    with no staff actor: only SEPA and online payments, with the same checks and ledger
    chaining as `record_payment`. `source` names the confirmation in the audit log."""
    if method not in SYSTEM_METHODS:
        raise BillingError("forbidden", _("Seule l'équipe du réseau enregistre les paiements."))
    return _record(invoice, amount=amount, method=method, received_on=received_on,
                   reference=reference, actor=None, now=now, source=source)


def _record(invoice, *, amount, method, received_on, reference, actor, now, source=""):
    network = invoice.network
    amount = money(to_decimal(amount))
    reference = reference.strip()
    if amount <= 0:
        raise BillingError("amount", _("Le montant doit être positif."))
    if method not in PaymentMethod.values:
        raise BillingError("method", _("Moyen de paiement inconnu."))
    if method == PaymentMethod.CHEQUE and not reference:
        raise BillingError("reference", _("Indiquez le n° du chèque et la référence de la "
                                          "remise en banque."))
    if received_on > now.astimezone(network.tz).date():
        raise BillingError("future", _("Un paiement ne peut être daté dans le futur."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related(
            "network").get(pk=invoice.pk)
        if not invoice.is_issued or invoice.kind != InvoiceKind.INVOICE:
            raise BillingError("not_payable", _("Seule une facture émise peut être réglée."))
        check_open(network, received_on)
        balance = balance_of(invoice)
        if amount > balance:
            raise BillingError("overpaid", _("Le montant dépasse le reste à payer "
                                             "(%(balance)s €).") % {"balance": balance})
        payment = Payment.objects.create(
            network=network, invoice=invoice, amount=amount, method=method,
            received_on=received_on, reference=reference, recorded_by=actor, recorded_at=now)
        append_entry(network, payment, now=now)
        audit.record(network=network, actor=actor, action="billing.payment.recorded",
                     target=payment, data={"invoice": invoice.number, "amount": str(amount),
                                           "method": method, **({"source": source} if source
                                                                else {})})
    return payment


def reverse_payment(payment: Payment, *, reason: str, reversed_on: dt.date, note: str = "",
                    actor, now) -> PaymentReversal:
    """Cancel a whole payment recorded by mistake, or whose money did not stay (bounced
    cheque, returned debit, refund), by a concierge or coordinator of its network. The
    payment row stays (insert-only); a `PaymentReversal` row, itself insert-only and chained
    into the ledger, makes it stop counting, so the invoice owes its amount again. Once per
    payment; dated neither before the payment, nor in the future, nor in a closed period.
    A wrong amount is corrected by reversing and recording the right payment."""
    if not is_network_staff(actor, payment.network):
        raise BillingError("forbidden", _("Seule l'équipe du réseau annule un paiement."))
    return _reverse(payment, reason=reason, reversed_on=reversed_on, note=note, actor=actor,
                    now=now)


def reverse_system_payment(payment: Payment, *, reason: str, reversed_on: dt.date,
                           note: str = "", source: str, now) -> PaymentReversal:
    """Reverse a payment the payment machinery recorded (a SEPA debit returned by the bank),
    with no staff actor: only SEPA and online payments, same checks and chaining as
    `reverse_payment`. `source` names the bank event in the audit log."""
    if payment.method not in SYSTEM_METHODS:
        raise BillingError("forbidden", _("Seule l'équipe du réseau annule un paiement."))
    return _reverse(payment, reason=reason, reversed_on=reversed_on, note=note, actor=None,
                    now=now, source=source)


def _reverse(payment, *, reason, reversed_on, note, actor, now, source=""):
    network = payment.network
    if reason not in ReversalReason.values:
        raise BillingError("reason", _("Motif d'annulation inconnu."))
    if reversed_on > now.astimezone(network.tz).date():
        raise BillingError("future", _("Une annulation ne peut être datée dans le futur."))
    with transaction.atomic():
        # The invoice row serialises everything that changes its balance (see _record).
        Invoice.objects.select_for_update(of=("self",)).get(pk=payment.invoice_id)
        payment = Payment.objects.select_related("invoice", "network").get(pk=payment.pk)
        existing = PaymentReversal.objects.filter(payment=payment).first()
        if existing is not None:
            raise BillingError("already_reversed", _(
                "Ce paiement a déjà été annulé le %(date)s : il ne peut l'être deux fois.")
                % {"date": existing.reversed_on.strftime("%d/%m/%Y")})
        if reversed_on < payment.received_on:
            raise BillingError("before_payment", _(
                "L'annulation ne peut être datée avant le paiement (reçu le %(date)s).")
                % {"date": payment.received_on.strftime("%d/%m/%Y")})
        check_open(network, reversed_on)
        reversal = PaymentReversal.objects.create(
            network=network, payment=payment, reason=reason, note=note.strip()[:200],
            reversed_on=reversed_on, recorded_by=actor, recorded_at=now)
        append_entry(network, reversal, now=now)
        audit.record(network=network, actor=actor, action="billing.payment.reversed",
                     target=reversal, data={"invoice": payment.invoice.number,
                                            "payment": payment.pk,
                                            "amount": str(payment.amount), "reason": reason,
                                            **({"source": source} if source else {})})
    return reversal
