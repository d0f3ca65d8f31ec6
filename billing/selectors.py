"""Read queries. Balances are derived from payment and credit-note rows, never stored; a
payment that has a `PaymentReversal` no longer counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from core.money import ZERO

_AMOUNT = DecimalField(max_digits=12, decimal_places=2)


def _sum_of(qs, group: str, field: str):
    total = qs.order_by().values(group).annotate(s=Sum(field)).values("s")[:1]
    return Coalesce(Subquery(total, output_field=_AMOUNT), ZERO, output_field=_AMOUNT)


def with_balances(invoices):
    """Annotate `paid` (payments not reversed), `credited` and `balance` (what remains due) in
    the same query."""
    paid = _sum_of(Payment.objects.filter(invoice=OuterRef("pk"), reversal__isnull=True),
                   "invoice", "amount")
    credited = _sum_of(Invoice.objects.filter(credited_invoice=OuterRef("pk"),
                                              status=InvoiceStatus.ISSUED),
                       "credited_invoice", "total_gross")
    return invoices.annotate(paid=paid, credited=credited).annotate(
        balance=ExpressionWrapper(F("total_gross") - F("paid") - F("credited"),
                                  output_field=_AMOUNT))


def balance_of(invoice: Invoice):
    return with_balances(Invoice.objects.filter(pk=invoice.pk)).values_list(
        "balance", flat=True).get()


def unpaid_invoices(network, *, today: dt.date, grace_days: int = 0):
    """Issued invoices still owing something `grace_days` after their due date."""
    return with_balances(Invoice.objects.filter(
        network=network, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED,
        due_date__lt=today - dt.timedelta(days=grace_days))).filter(balance__gt=0)


def unpaid_member_ids(network, member_ids, *, today: dt.date, grace_days: int) -> set[int]:
    return set(unpaid_invoices(network, today=today, grace_days=grace_days).filter(
        buyer_member_id__in=list(member_ids)).values_list("buyer_member_id", flat=True))


def member_invoices(member):
    return with_balances(Invoice.objects.filter(
        Q(buyer_member=member), network_id=member.network_id,
        status=InvoiceStatus.ISSUED)).order_by("-issue_date", "-number")


def member_payments(member):
    return Payment.objects.filter(network_id=member.network_id,
                                  invoice__buyer_member=member).select_related("invoice",
                                                                               "reversal")
