"""Appending to the hash-chained ledger, verifying it, and closing periods.

Appends of one network are serialised by locking its BillingProfile row (SELECT ... FOR
UPDATE; SQLite: the IMMEDIATE transaction), so the sequence has no gap or fork.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import (
    GENESIS_HASH,
    BillingProfile,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentReversal,
    PeriodClosing,
)
from core import audit
from core.money import ZERO, money


def canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(previous_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{payload}".encode()).hexdigest()


def _s(value) -> str | None:
    return None if value is None else str(value)


def invoice_payload(invoice: Invoice) -> dict:
    return {
        "type": invoice.kind, "number": invoice.number, "issue_date": _s(invoice.issue_date),
        "due_date": _s(invoice.due_date), "service_start": _s(invoice.service_start),
        "service_end": _s(invoice.service_end),
        "credited_invoice": invoice.credited_invoice.number if invoice.credited_invoice_id
        else None,
        "seller": [invoice.seller_name, invoice.seller_siren, invoice.seller_siret,
                   invoice.seller_vat_number, invoice.vat_mention],
        "buyer": [invoice.buyer_name, invoice.buyer_address, invoice.buyer_siret,
                  invoice.buyer_is_business],
        "total_net": str(invoice.total_net), "total_vat": str(invoice.total_vat),
        "total_gross": str(invoice.total_gross),
        "lines": [[line.label, str(line.quantity), str(line.unit_price), str(line.vat_rate),
                   str(line.net), str(line.vat), str(line.gross)]
                  for line in _lines_of(invoice)],
    }


def _lines_of(invoice: Invoice) -> list:
    """The lines just written by the issuing transaction (`created_lines`, as stored), or
    read back."""
    created = getattr(invoice, "created_lines", None)
    if created is not None:
        return sorted(created, key=lambda line: line.position)
    return list(invoice.lines.order_by("position"))


def payment_payload(payment: Payment) -> dict:
    return {"type": "payment", "id": payment.pk, "invoice": payment.invoice.number,
            "amount": str(payment.amount), "method": payment.method,
            "received_on": str(payment.received_on), "reference": payment.reference}


def reversal_payload(reversal: PaymentReversal) -> dict:
    return {"type": "reversal", "id": reversal.pk, "payment": reversal.payment_id,
            "invoice": reversal.payment.invoice.number, "amount": str(reversal.payment.amount),
            "reason": reversal.reason, "note": reversal.note,
            "reversed_on": str(reversal.reversed_on)}


def _describe(record) -> tuple[str, int, str, dict]:
    if isinstance(record, Invoice):
        return record.kind, record.pk, record.number, invoice_payload(record)
    if isinstance(record, Payment):
        return LedgerKind.PAYMENT, record.pk, f"P{record.pk}", payment_payload(record)
    if isinstance(record, PaymentReversal):
        return LedgerKind.REVERSAL, record.pk, f"ANN{record.pk}", reversal_payload(record)
    if isinstance(record, PeriodClosing):
        return (LedgerKind.CLOSING, record.pk, f"C{record.period_end}",
                {"type": "closing", "period_start": str(record.period_start),
                 "period_end": str(record.period_end), "totals": record.totals})
    raise TypeError(record)


def append_entry(network, record, *, now) -> LedgerEntry:
    """Append a record to the network's chain; call inside the transaction that creates it."""
    if BillingProfile.objects.select_for_update().filter(network=network).first() is None:
        BillingProfile.of(network)
        BillingProfile.objects.select_for_update().get(network=network)
    last = LedgerEntry.objects.filter(network=network).order_by("-sequence").first()
    kind, object_id, reference, data = _describe(record)
    payload = canonical(data)
    previous = last.hash if last else GENESIS_HASH
    return LedgerEntry.objects.create(
        network=network, sequence=(last.sequence + 1) if last else 1, kind=kind,
        object_id=object_id, reference=reference, recorded_at=now, payload=payload,
        previous_hash=previous, hash=chain_hash(previous, payload))


# --- verification -----------------------------------------------------------------------

KIND_LABEL = {LedgerKind.INVOICE: "facture", LedgerKind.CREDIT_NOTE: "avoir",
              LedgerKind.PAYMENT: "paiement", LedgerKind.REVERSAL: "annulation de paiement",
              LedgerKind.CLOSING: "clôture"}


def _live_payload(entry, invoices, payments, closings, reversals):
    if entry.kind in (LedgerKind.INVOICE, LedgerKind.CREDIT_NOTE):
        record = invoices.get(entry.object_id)
        return None if record is None else invoice_payload(record)
    if entry.kind == LedgerKind.PAYMENT:
        record = payments.get(entry.object_id)
        return None if record is None else payment_payload(record)
    if entry.kind == LedgerKind.REVERSAL:
        record = reversals.get(entry.object_id)
        return None if record is None else reversal_payload(record)
    record = closings.get(entry.object_id)
    return None if record is None else _describe(record)[3]


def verify_ledger(network) -> tuple[int, list[str]]:
    """(entries checked, problems): each problem names the entry or record concerned."""
    entries = list(LedgerEntry.objects.filter(network=network).order_by("sequence"))
    invoices = {i.pk: i for i in Invoice.objects.filter(network=network).select_related(
        "credited_invoice").prefetch_related("lines")}
    payments = {p.pk: p for p in Payment.objects.filter(network=network).select_related(
        "invoice")}
    closings = {c.pk: c for c in PeriodClosing.objects.filter(network=network)}
    reversals = {r.pk: r for r in PaymentReversal.objects.filter(network=network).select_related(
        "payment__invoice")}
    problems = []
    expected_sequence, previous = 1, GENESIS_HASH
    for entry in entries:
        name = f"{KIND_LABEL[entry.kind]} {entry.reference}"
        if entry.sequence != expected_sequence:
            problems.append(f"entrée n° {expected_sequence}"
                            + (f" à {entry.sequence - 1}" if entry.sequence > expected_sequence
                               + 1 else "") + " du registre supprimée")
        if entry.previous_hash != previous:
            problems.append(f"entrée n° {entry.sequence} ({name}) : chaînage rompu "
                            "(hachage précédent différent)")
        if chain_hash(entry.previous_hash, entry.payload) != entry.hash:
            problems.append(f"entrée n° {entry.sequence} ({name}) modifiée dans le registre")
        live = _live_payload(entry, invoices, payments, closings, reversals)
        if live is None:
            problems.append(f"{name} supprimé(e) (entrée n° {entry.sequence})")
        else:
            stored = json.loads(entry.payload)
            changed = sorted(k for k in set(stored) | set(live) if stored.get(k) != live.get(k))
            if changed:
                problems.append(f"{name} modifié(e) après enregistrement "
                                f"(entrée n° {entry.sequence} ; {', '.join(changed)})")
        expected_sequence, previous = entry.sequence + 1, entry.hash
    recorded = {(e.kind, e.object_id) for e in entries}
    for invoice in invoices.values():
        if invoice.status == InvoiceStatus.ISSUED and (invoice.kind, invoice.pk) not in recorded:
            problems.append(f"{KIND_LABEL[invoice.kind]} {invoice.number} absente du registre")
    for payment in payments.values():
        if (LedgerKind.PAYMENT, payment.pk) not in recorded:
            problems.append(f"paiement P{payment.pk} absent du registre")
    for reversal in reversals.values():
        if (LedgerKind.REVERSAL, reversal.pk) not in recorded:
            problems.append(f"annulation de paiement ANN{reversal.pk} absente du registre")
    return len(entries), problems


# --- period closing ---------------------------------------------------------------------

def closed_through(network) -> dt.date | None:
    return PeriodClosing.objects.filter(network=network).aggregate(d=Max("period_end"))["d"]


def check_open(network, day: dt.date) -> None:
    """Refuse to date anything inside a closed period."""
    last = closed_through(network)
    if last is not None and day <= last:
        raise BillingError("period_closed", _("La période est close jusqu'au %(date)s : rien ne "
                                              "peut y être daté.") % {"date": last.isoformat()})


def close_period(network, *, through: dt.date, actor, now) -> PeriodClosing:
    """Close every day up to `through` (which must be past): its totals are chained into the
    ledger and nothing can be dated in it any more."""
    today = now.astimezone(network.tz).date()
    if through >= today:
        raise BillingError("period_not_over", _("On ne peut clore qu'une période échue."))
    with transaction.atomic():
        BillingProfile.of(network)
        BillingProfile.objects.select_for_update().get(network=network)
        last = closed_through(network)
        if last is not None and through <= last:
            raise BillingError("period_closed", _("Cette période est déjà close."))
        start = last + dt.timedelta(days=1) if last else dt.date.min
        issued = Invoice.objects.filter(network=network, status=InvoiceStatus.ISSUED,
                                        issue_date__gte=start, issue_date__lte=through)

        def total(qs, field):
            return str(money(qs.aggregate(s=Sum(field))["s"] or ZERO))

        totals = {
            "invoiced": total(issued.filter(kind=InvoiceKind.INVOICE), "total_gross"),
            "credited": total(issued.filter(kind=InvoiceKind.CREDIT_NOTE), "total_gross"),
            "paid": total(Payment.objects.filter(network=network, received_on__gte=start,
                                                 received_on__lte=through), "amount"),
            "reversed": total(PaymentReversal.objects.filter(
                network=network, reversed_on__gte=start, reversed_on__lte=through),
                "payment__amount"),
            "ledger_through": LedgerEntry.objects.filter(network=network).aggregate(
                m=Max("sequence"))["m"] or 0,
        }
        closing = PeriodClosing.objects.create(
            network=network, period_start=start, period_end=through, totals=totals,
            closed_at=now, closed_by=actor if getattr(actor, "is_authenticated", False) else None)
        append_entry(network, closing, now=now)
        audit.record(network=network, actor=actor, action="billing.period.closed",
                     target=closing, data=totals)
    return closing
