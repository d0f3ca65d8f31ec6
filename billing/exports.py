"""Accounting exports of a network: the FEC (Fichier des Écritures Comptables, art. L47 A and
A47 A-1 du livre des procédures fiscales) and CSV lists of invoices and payments.

FEC mapping (see docs/billing.md, "Accounting exports"):

- Sales journal VE "Ventes": an issued invoice debits the customer 411000 (auxiliary account
  of the buyer) by its total incl. VAT, credits 706000 by its net amount per VAT rate and
  445710 (TVA collectée) by its VAT per rate. A credit note is the same entry reversed.
- Payments: journal BQ "Banque" (512000) for cheque, transfer, SEPA direct debit and online
  payments, CA "Caisse" (530000) for cash: debit 512000/530000, credit 411000 (buyer).
- Payment reversals (a mistaken entry, a returned debit, a bounced cheque, a refund): the
  payment's entry reversed, in the same journal, dated the reversal day: debit 411000
  (buyer), credit 512000/530000; PieceRef ANN-<reversal id>.
- Lettering: the 411000 lines of an invoice, of its payments, of their reversals and of its
  credit notes share a letter (derived from the invoice id, so stable across exports) once
  the invoice is fully settled by pieces dated on or before the end of the export; DateLet
  is the date of the last of them.
- One entry (EcritureNum) per invoice, credit note, payment or reversal, numbered continuously in
  chronological order; ValidDate is the issue date (an issued invoice is final) or the day
  the payment was recorded. Amounts with a comma decimal, "0,00" on the other side;
  Montantdevise/Idevise empty (everything is in euros). Fields are tab-separated, with the
  18 column names as first line; the file is encoded in ISO 8859-15 (characters outside it
  become "?"), lines end with CRLF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Sum
from django.utils import translation

from billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentReversal,
    ReversalReason,
)
from core.money import ZERO

CENT = Decimal("0.01")
FEC_COLUMNS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
               "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
               "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise",
               "Idevise"]
FEC_SEPARATOR = "\t"
FEC_ENCODING = "iso-8859-15"

SALES = ("VE", "Ventes")
BANK = ("BQ", "Banque")
CASH = ("CA", "Caisse")
CUSTOMERS = ("411000", "Clients")
REVENUE = ("706000", "Prestations de services")
VAT_COLLECTED = ("445710", "TVA collectée")
BANK_ACCOUNT = ("512000", "Banque")
CASH_ACCOUNT = ("530000", "Caisse")


@dataclass
class FecLine:
    journal: tuple[str, str]
    number: int
    date: dt.date
    account: tuple[str, str]
    aux: tuple[str, str]
    piece_ref: str
    piece_date: dt.date
    label: str
    debit: Decimal
    credit: Decimal
    valid_date: dt.date
    letter: str = ""
    letter_date: dt.date | None = None

    def row(self) -> list[str]:
        return [self.journal[0], self.journal[1], str(self.number), _date(self.date),
                self.account[0], self.account[1], self.aux[0], _text(self.aux[1]),
                _text(self.piece_ref), _date(self.piece_date), _text(self.label),
                _amount(self.debit), _amount(self.credit), self.letter,
                _date(self.letter_date) if self.letter_date else "", _date(self.valid_date),
                "", ""]


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _amount(value) -> str:
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)  # SQLite sums are floats
    return f"{abs(value) if not value else value:.2f}".replace(".", ",")  # never "-0,00"


def _text(value: str) -> str:
    return " ".join(str(value).split())  # no tab, no line break inside a field


def customer_account(invoice) -> tuple[str, str]:
    """Auxiliary account of the buyer: C + organisation id, or M + member id."""
    if invoice.buyer_organisation_id:
        return f"C{invoice.buyer_organisation_id:07d}", invoice.buyer_name
    return f"M{invoice.buyer_member_id:07d}", invoice.buyer_name


def letter_of(invoice_id: int) -> str:
    """A stable lettering code: the invoice id written in letters (A, B, …, Z, BA, …)."""
    digits, n = [], invoice_id
    while True:
        n, rest = divmod(n, 26)
        digits.append(chr(ord("A") + rest))
        if n == 0:
            return "".join(reversed(digits))


def fec_filename(network, end: dt.date) -> str:
    return f"{network.siren or 'SIREN'}FEC{_date(end)}.txt"


def _settlements(network, invoice_ids, end: dt.date) -> dict[int, dt.date]:
    """Invoices (of those ids) fully settled by payments (less their reversals) and credit
    notes dated on or before `end`, with the date of the last settling piece."""
    paid = defaultdict(lambda: [ZERO, None])
    for row in (Payment.objects.filter(network=network, invoice_id__in=invoice_ids,
                                       received_on__lte=end)
                .values("invoice_id").annotate(total=Sum("amount"), last=Max("received_on"))):
        paid[row["invoice_id"]] = [row["total"], row["last"]]
    for row in (PaymentReversal.objects.filter(network=network,
                                               payment__invoice_id__in=invoice_ids,
                                               reversed_on__lte=end)
                .values("payment__invoice_id")
                .annotate(total=Sum("payment__amount"), last=Max("reversed_on"))):
        entry = paid[row["payment__invoice_id"]]
        entry[0] -= row["total"]
        entry[1] = max(filter(None, [entry[1], row["last"]]))
    for row in (Invoice.objects.filter(network=network, credited_invoice_id__in=invoice_ids,
                                       status=InvoiceStatus.ISSUED, issue_date__lte=end)
                .values("credited_invoice_id")
                .annotate(total=Sum("total_gross"), last=Max("issue_date"))):
        entry = paid[row["credited_invoice_id"]]
        entry[0] += row["total"]
        entry[1] = max(filter(None, [entry[1], row["last"]]))
    settled = {}
    for invoice in Invoice.objects.filter(pk__in=invoice_ids).only("pk", "total_gross"):
        total, last = paid.get(invoice.pk, (ZERO, None))
        if last is not None and total == invoice.total_gross:
            settled[invoice.pk] = last
    return settled


def fec_lines(network, start: dt.date, end: dt.date) -> list[FecLine]:
    """The FEC lines of the network's invoices, credit notes and payments dated from `start`
    to `end` (inclusive), in chronological order, every entry balanced."""
    documents = list(Invoice.objects.filter(
        network=network, status=InvoiceStatus.ISSUED, issue_date__range=(start, end))
        .select_related("credited_invoice").order_by("issue_date", "issued_at", "pk"))
    payments = list(Payment.objects.filter(network=network, received_on__range=(start, end))
                    .select_related("invoice").order_by("received_on", "recorded_at", "pk"))
    reversals = list(PaymentReversal.objects.filter(
        network=network, reversed_on__range=(start, end)).select_related("payment__invoice")
        .order_by("reversed_on", "recorded_at", "pk"))
    invoice_ids = ({d.credited_invoice_id or d.pk for d in documents}
                   | {p.invoice_id for p in payments}
                   | {r.payment.invoice_id for r in reversals})
    settled = _settlements(network, invoice_ids, end)

    events = [(d.issue_date, 0, d.issued_at, d.pk, d) for d in documents]
    events += [(p.received_on, 1, p.recorded_at, p.pk, p) for p in payments]
    events += [(r.reversed_on, 2, r.recorded_at, r.pk, r) for r in reversals]
    events.sort(key=lambda e: e[:4])
    lines: list[FecLine] = []
    number = 0
    for _day, _kind, _at, _pk, item in events:
        if isinstance(item, Invoice):
            entry = _invoice_entry(item, number + 1, settled)
        elif isinstance(item, PaymentReversal):
            entry = _reversal_entry(item, number + 1, settled, network)
        else:
            entry = _payment_entry(item, number + 1, settled, network)
        if entry:
            number += 1
            lines += entry
    return lines


def _invoice_entry(invoice, number: int, settled) -> list[FecLine]:
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    lettered = invoice.credited_invoice_id if credit_note else invoice.pk
    word = "Avoir" if credit_note else "Facture"
    label = f"{word} {invoice.number} {invoice.buyer_name}"
    common = dict(journal=SALES, number=number, date=invoice.issue_date,
                  piece_ref=invoice.number, piece_date=invoice.issue_date,
                  valid_date=invoice.issue_date)

    def line(account, amount, aux=("", ""), letter=""):
        debit, credit = (amount, ZERO)
        if credit_note:  # a credit note reverses the invoice's entry
            debit, credit = credit, debit
        return FecLine(account=account, aux=aux, label=label, debit=debit, credit=credit,
                       letter=letter_of(lettered) if letter else "",
                       letter_date=settled.get(lettered) if letter else None, **common)

    result = []
    if invoice.total_gross:
        result.append(line(CUSTOMERS, invoice.total_gross, customer_account(invoice),
                           letter=lettered in settled))
    for row in invoice.vat_breakdown:
        net, vat, rate = Decimal(row["net"]), Decimal(row["vat"]), Decimal(row["rate"])
        if net:
            revenue = line(REVENUE, net)
            revenue.debit, revenue.credit = revenue.credit, revenue.debit
            revenue.label = f"{label} - HT {rate.normalize():f} %"
            result.append(revenue)
        if vat:
            tax = line(VAT_COLLECTED, vat)
            tax.debit, tax.credit = tax.credit, tax.debit
            tax.label = f"{label} - TVA {rate.normalize():f} %"
            result.append(tax)
    return result


def _payment_entry(payment, number: int, settled, network) -> list[FecLine]:
    invoice = payment.invoice
    cash = payment.method == PaymentMethod.CASH
    journal, account = (CASH, CASH_ACCOUNT) if cash else (BANK, BANK_ACCOUNT)
    valid = payment.recorded_at.astimezone(network.tz).date()
    label = " ".join(filter(None, [f"Règlement {invoice.number}",
                                   str(PaymentMethod(payment.method).label),
                                   payment.reference]))
    common = dict(journal=journal, number=number, date=payment.received_on,
                  piece_ref=f"REG-{payment.pk}", piece_date=payment.received_on,
                  label=label, valid_date=max(valid, payment.received_on))
    letter = invoice.pk in settled
    return [
        FecLine(account=account, aux=("", ""), debit=payment.amount, credit=ZERO, **common),
        FecLine(account=CUSTOMERS, aux=customer_account(invoice), debit=ZERO,
                credit=payment.amount, letter=letter_of(invoice.pk) if letter else "",
                letter_date=settled.get(invoice.pk), **common),
    ]


def _reversal_entry(reversal, number: int, settled, network) -> list[FecLine]:
    """The payment's entry reversed: debit 411000 (buyer), credit the bank or the till."""
    payment = reversal.payment
    invoice = payment.invoice
    cash = payment.method == PaymentMethod.CASH
    journal, account = (CASH, CASH_ACCOUNT) if cash else (BANK, BANK_ACCOUNT)
    valid = reversal.recorded_at.astimezone(network.tz).date()
    label = " ".join(filter(None, [
        f"Annulation règlement {invoice.number} REG-{payment.pk}",
        str(ReversalReason(reversal.reason).label), reversal.note]))
    common = dict(journal=journal, number=number, date=reversal.reversed_on,
                  piece_ref=f"ANN-{reversal.pk}", piece_date=reversal.reversed_on,
                  label=label, valid_date=max(valid, reversal.reversed_on))
    letter = invoice.pk in settled
    return [
        FecLine(account=CUSTOMERS, aux=customer_account(invoice), debit=payment.amount,
                credit=ZERO, letter=letter_of(invoice.pk) if letter else "",
                letter_date=settled.get(invoice.pk), **common),
        FecLine(account=account, aux=("", ""), debit=ZERO, credit=payment.amount, **common),
    ]


def fec_text(lines: list[FecLine]) -> str:
    out = io.StringIO()
    out.write(FEC_SEPARATOR.join(FEC_COLUMNS) + "\r\n")
    for line in lines:
        out.write(FEC_SEPARATOR.join(line.row()) + "\r\n")
    return out.getvalue()


def fec_bytes(network, start: dt.date, end: dt.date) -> bytes:
    with translation.override("fr"):
        text = fec_text(fec_lines(network, start, end))
    return text.encode(FEC_ENCODING, errors="replace")


# --- CSV -------------------------------------------------------------------------------------
# Semicolon-separated, comma decimals, UTF-8 with a byte order mark: what a French spreadsheet
# opens as is.

def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def invoices_csv(network, start: dt.date, end: dt.date) -> bytes:
    from billing.selectors import with_balances

    invoices = with_balances(Invoice.objects.filter(
        network=network, status=InvoiceStatus.ISSUED, issue_date__range=(start, end))
        .select_related("credited_invoice")).order_by("issue_date", "number")
    return _csv(
        ["numero", "type", "date", "echeance", "client", "siret_client", "facture_corrigee",
         "total_ht", "total_tva", "total_ttc", "paye", "avoirs", "reste_du"],
        ([i.number, "avoir" if i.kind == InvoiceKind.CREDIT_NOTE else "facture",
          i.issue_date.isoformat(), i.due_date.isoformat(), i.buyer_name, i.buyer_siret,
          i.credited_invoice.number if i.credited_invoice_id else "",
          _amount(i.total_net), _amount(i.total_vat), _amount(i.total_gross)]
         + ([_amount(i.paid), _amount(i.credited), _amount(i.balance)]
            if i.kind == InvoiceKind.INVOICE else ["", "", ""])
         for i in invoices))


def payments_csv(network, start: dt.date, end: dt.date) -> bytes:
    """Payments received and reversals dated in the range; a reversal is a row of its own
    with the payment's amount negated (so the column sums to what was kept)."""
    payments = (Payment.objects.filter(network=network, received_on__range=(start, end))
                .select_related("invoice"))
    reversals = (PaymentReversal.objects.filter(network=network,
                                                reversed_on__range=(start, end))
                 .select_related("payment__invoice"))
    with translation.override("fr"):
        rows = [(p.received_on, 0, p.pk, [
            p.received_on.isoformat(), p.invoice.number, p.invoice.buyer_name,
            str(PaymentMethod(p.method).label), p.reference, _amount(p.amount),
            p.recorded_at.astimezone(network.tz).isoformat(timespec="seconds")])
            for p in payments]
        rows += [(r.reversed_on, 1, r.pk, [
            r.reversed_on.isoformat(), r.payment.invoice.number, r.payment.invoice.buyer_name,
            str(PaymentMethod(r.payment.method).label),
            " ".join(filter(None, [
                f"Annulation du paiement du {r.payment.received_on.isoformat()}",
                f"({ReversalReason(r.reason).label})", r.note])),
            _amount(-r.payment.amount),
            r.recorded_at.astimezone(network.tz).isoformat(timespec="seconds")])
            for r in reversals]
        rows.sort(key=lambda row: row[:3])
        return _csv(
            ["date", "facture", "client", "moyen", "reference", "montant", "enregistre_le"],
            [row[3] for row in rows])
