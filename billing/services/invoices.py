"""Drafting and issuing invoices and credit notes.

Numbering: gapless per issuer (network), series (prefix) and year. The number is taken from
the series' counter row, locked with SELECT ... FOR UPDATE (SQLite: the IMMEDIATE transaction
holds the write lock), in the same transaction that turns the draft into an issued invoice:
a rollback gives the number back, and two issuers cannot take the same one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import (
    RECOVERY_INDEMNITY,
    VAT_FRANCHISE_MENTION,
    BillingProfile,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    VatRegime,
)
from core import audit
from core.money import ZERO, money, to_decimal

NUMBER_MAX_LENGTH = 35


@dataclass
class LineInput:
    label: str
    unit_price: Decimal
    quantity: Decimal = Decimal("1")
    vat_rate: Decimal = Decimal("20.00")
    member: object = None
    site: object = None
    # A subscription's charge: which one and the days it covers (see proration).
    subscription: object = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None


QUANTITY_PLACES = Decimal("0.001")
RATE_PLACES = Decimal("0.01")


def _line_amounts(line: LineInput, *, franchise: bool):
    """(rate, net, vat, gross) as they are stored (same decimal places), so that the lines
    just written can be used without reading them back."""
    rate = Decimal("0.00") if franchise else to_decimal(line.vat_rate).quantize(RATE_PLACES)
    net = money(to_decimal(line.quantity) * to_decimal(line.unit_price))
    vat = money(net * rate / 100)
    return rate, net, vat, net + vat


def draft_invoice(network, *, lines: list[LineInput], service_start: dt.date,
                  service_end: dt.date, buyer_member=None, buyer_organisation=None,
                  actor=None, kind: str = InvoiceKind.INVOICE, credited_invoice=None,
                  reason: str = "", franchise: bool | None = None) -> Invoice:
    """A draft: editable and deletable, without a number, nothing legal yet. Under the VAT
    franchise every line is at 0 % (`franchise` may be given by a caller that already read
    the billing profile). The lines written are kept on the object as `created_lines`."""
    if not lines:
        raise BillingError("no_lines", _("Une facture doit compter au moins une ligne."))
    for buyer in (buyer_member, buyer_organisation):
        if buyer is not None and buyer.network_id != network.pk:
            raise BillingError("other_network", _("Ce client n'appartient pas à ce réseau."))
    if franchise is None:
        franchise = BillingProfile.of(network).vat_regime == VatRegime.FRANCHISE
    with transaction.atomic(savepoint=False):
        invoice = Invoice.objects.create(
            network=network, kind=kind, buyer_member=buyer_member,
            buyer_organisation=buyer_organisation, service_start=service_start,
            service_end=service_end, credited_invoice=credited_invoice, reason=reason,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        created = InvoiceLine.objects.bulk_create([
            InvoiceLine(network=network, invoice=invoice, position=i, label=line.label,
                        quantity=to_decimal(line.quantity).quantize(QUANTITY_PLACES),
                        unit_price=money(line.unit_price),
                        vat_rate=rate, net=net, vat=vat, gross=gross, member=line.member,
                        site=line.site, subscription=line.subscription,
                        period_start=line.period_start, period_end=line.period_end)
            for i, line in enumerate(lines, start=1)
            for rate, net, vat, gross in [_line_amounts(line, franchise=franchise)]])
        if any(line.pk is None for line in created):  # no RETURNING from a bulk insert
            created = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position"))
    invoice.created_lines = created
    return invoice


def format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:06d}"


def _next_number(network, series: str, year: int) -> str:
    counters = InvoiceCounter.objects.select_for_update()
    counter = counters.filter(network=network, series=series, year=year).first()
    if counter is None:  # the series' first number of the year
        InvoiceCounter.objects.get_or_create(network=network, series=series, year=year)
        counter = counters.get(network=network, series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    number = format_number(series, year, counter.last_number)
    assert len(number) <= NUMBER_MAX_LENGTH
    return number


def _seller_mentions(network, profile) -> dict:
    missing = [label for label, value in ((_("raison sociale"), network.legal_name),
                                          (_("SIREN"), network.siren),
                                          (_("SIRET"), network.siret),
                                          (_("adresse"), network.address)) if not value]
    if profile.vat_regime == VatRegime.REGISTERED and not network.vat_number:
        missing.append(_("n° de TVA intracommunautaire"))
    if missing:
        raise BillingError("seller_identity", _("Identité du réseau incomplète pour facturer : "
                                                "%(missing)s.") % {"missing": ", ".join(missing)})
    franchise = profile.vat_regime == VatRegime.FRANCHISE
    return dict(
        seller_name=network.legal_name, seller_legal_form=network.legal_form,
        seller_address=" ".join(filter(None, [network.address, network.postcode, network.city])),
        seller_siren=network.siren, seller_siret=network.siret,
        seller_vat_number="" if franchise else network.vat_number,
        vat_mention=VAT_FRANCHISE_MENTION if franchise else "",
    )


def _buyer_mentions(invoice) -> dict:
    if invoice.buyer_organisation_id:
        org = invoice.buyer_organisation
        return dict(buyer_name=org.name, buyer_address=org.address, buyer_siret=org.siret,
                    buyer_is_business=True)
    member = invoice.buyer_member
    return dict(buyer_name=member.display_name, buyer_address=member.home_commune,
                buyer_siret="", buyer_is_business=False)


def _vat_breakdown(lines) -> list[dict]:
    by_rate = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        by_rate[line.vat_rate][0] += line.net
        by_rate[line.vat_rate][1] += line.vat
    return [{"rate": str(rate), "net": str(net), "vat": str(vat)}
            for rate, (net, vat) in sorted(by_rate.items())]


def issue_invoice(invoice: Invoice, *, issue_date: dt.date, actor, now) -> Invoice:
    """Issue a draft: take the next number of its series and year, freeze the mentions and
    totals, append it to the ledger; all in one transaction (no gap, no duplicate). The issue
    date may be neither in the future nor in a closed period."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related(
            "network", "buyer_member__user", "buyer_organisation").get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.DRAFT:
            raise BillingError("already_issued", _("Cette facture est déjà émise."))
        return _issue(invoice, list(invoice.lines.all()), network=invoice.network,
                      issue_date=issue_date, actor=actor, now=now)


def issue_new_draft(invoice: Invoice, *, network, profile, issue_date: dt.date, actor,
                    now) -> Invoice:
    """Issue a draft that `draft_invoice` has just written in the caller's transaction (the
    month-end run): nobody else can see it yet, so neither it nor its lines are read again;
    `network`, `profile` (the run's BillingProfile, read once when it started), the buyer and
    `invoice.created_lines` are the objects already loaded."""
    assert transaction.get_connection().in_atomic_block
    return _issue(invoice, invoice.created_lines, network=network, profile=profile,
                  issue_date=issue_date, actor=actor, now=now)


def _issue(invoice: Invoice, lines: list, *, network, issue_date, actor, now,
           profile=None) -> Invoice:
    from billing.documents import schedule_document
    from billing.services.ledger import append_entry, check_open

    if issue_date > now.astimezone(network.tz).date():
        raise BillingError("future", _("Une facture ne peut être datée dans le futur."))
    if not lines:
        raise BillingError("no_lines", _("Une facture doit compter au moins une ligne."))
    if profile is None:
        profile = BillingProfile.of(network)
    check_open(network, issue_date)
    series = (profile.credit_note_prefix if invoice.kind == InvoiceKind.CREDIT_NOTE
              else profile.invoice_prefix)
    mentions = {**_seller_mentions(network, profile), **_buyer_mentions(invoice)}
    for name, value in mentions.items():
        setattr(invoice, name, value)
    invoice.number = _next_number(network, series, issue_date.year)
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + dt.timedelta(days=profile.payment_terms_days)
    invoice.payment_terms = profile.payment_terms
    invoice.late_penalty_terms = profile.late_penalty_terms
    invoice.recovery_indemnity = RECOVERY_INDEMNITY if invoice.buyer_is_business else None
    invoice.total_net = sum((line.net for line in lines), ZERO)
    invoice.total_vat = sum((line.vat for line in lines), ZERO)
    invoice.total_gross = invoice.total_net + invoice.total_vat
    invoice.vat_breakdown = _vat_breakdown(lines)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = now
    invoice.save()
    append_entry(network, invoice, now=now)  # takes the network's ledger lock
    audit.record(network=network, actor=actor, action=f"billing.{invoice.kind}.issued",
                 target=invoice, data={"number": invoice.number,
                                       "total": str(invoice.total_gross)})
    schedule_document(invoice)  # PDF/A-3 + Factur-X rendered by a task after commit
    invoice.created_lines = lines
    return invoice


def issue_credit_note(invoice: Invoice, *, reason: str, issue_date: dt.date, actor, now,
                      lines: list[LineInput] | None = None) -> Invoice:
    """Correct an issued invoice by a credit note referring to it: all its lines (cancelling
    it), or the given ones (part of it: the month-end run's credits for late reversals and
    changes); never more than what remains to be credited. The note's lines are on the
    returned object as `created_lines`."""
    if invoice.kind != InvoiceKind.INVOICE or not invoice.is_issued:
        raise BillingError("not_creditable", _("Seule une facture émise peut être corrigée "
                                                "par un avoir."))
    if lines is None:
        lines = [LineInput(label=line.label, unit_price=line.unit_price, quantity=line.quantity,
                           vat_rate=line.vat_rate, member=line.member, site=line.site,
                           subscription=line.subscription, period_start=line.period_start,
                           period_end=line.period_end)
                 for line in invoice.lines.select_related("member", "site", "subscription")]
    with transaction.atomic():
        note = draft_invoice(invoice.network, lines=lines, service_start=invoice.service_start,
                             service_end=invoice.service_end,
                             buyer_member=invoice.buyer_member,
                             buyer_organisation=invoice.buyer_organisation, actor=actor,
                             kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice,
                             reason=reason)
        Invoice.objects.select_for_update().get(pk=invoice.pk)  # one corrector at a time
        credited = sum((n.total_gross for n in invoice.credit_notes.filter(
            status=InvoiceStatus.ISSUED)), ZERO)
        note_total = sum((line.gross for line in note.created_lines), ZERO)
        if credited + note_total > invoice.total_gross:
            raise BillingError("over_credit", _("Un avoir ne peut dépasser le montant restant "
                                                "de la facture."))
        return issue_invoice(note, issue_date=issue_date, actor=actor, now=now)
