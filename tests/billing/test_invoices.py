import datetime as dt
from decimal import Decimal as D

import pytest

from billing.errors import BillingError
from billing.models import (
    BillingProfile,
    CreditNote,
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    VatRegime,
)
from billing.services import LineInput, draft_invoice, issue_credit_note, issue_invoice
from billing.services.invoices import format_number
from core.models import AuditLog
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW, local

pytestmark = pytest.mark.django_db
NUMBER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/")


def test_issued_invoice_carries_every_mandatory_mention_for_a_franchise_association(billed):
    invoice = issue(billed.network, member=billed.member, lines=[
        LineInput("Abonnement novembre", D("100.00"), vat_rate=D("20.00")),
        LineInput("Demi-journée bureau fermé", D("10.00"), quantity=D("3")),
    ])
    assert invoice.number == "VER-2026-000001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert (invoice.seller_name, invoice.seller_siren, invoice.seller_siret) == (
        "Association Tiers-lieux du Plateau", "123456789", "12345678900018")
    assert invoice.seller_address == "1 place de la Mairie 38880 Autrans"
    assert invoice.vat_mention == "TVA non applicable, art. 293 B du CGI"
    assert invoice.seller_vat_number == ""
    assert invoice.buyer_name == "Camille Martin" and not invoice.buyer_is_business
    assert invoice.issue_date == ISSUE_DAY
    assert (invoice.service_start, invoice.service_end) == (dt.date(2026, 11, 1),
                                                            dt.date(2026, 11, 30))
    assert invoice.due_date == dt.date(2026, 12, 23)  # 30 days
    assert invoice.payment_terms.startswith("Paiement à réception")
    assert "intérêt légal" in invoice.late_penalty_terms
    assert invoice.recovery_indemnity is None  # a private person owes no 40 €
    # Under the franchise every line is at 0 %.
    assert [(line.net, line.vat_rate, line.vat) for line in invoice.lines.all()] == [
        (D("100.00"), D("0.00"), D("0.00")), (D("30.00"), D("0.00"), D("0.00"))]
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        D("130.00"), D("0.00"), D("130.00"))
    assert invoice.vat_breakdown == [{"rate": "0.00", "net": "130.00", "vat": "0.00"}]
    assert AuditLog.objects.filter(action="billing.invoice.issued",
                                   target_id=str(invoice.pk)).count() == 1


def test_vat_registered_seller_and_business_buyer(billed):
    profile = BillingProfile.of(billed.network)
    profile.vat_regime = VatRegime.REGISTERED
    profile.save()
    with pytest.raises(BillingError) as refused:
        issue(billed.network, organisation=billed.organisation)
    assert refused.value.code == "seller_identity" and not Invoice.objects.filter(
        status="issued").exists()
    billed.network.vat_number = "FR12123456789"
    billed.network.save()
    invoice = issue(billed.network, organisation=billed.organisation, lines=[
        LineInput("Abonnement", D("100.00")), LineInput("Café", D("1.05"), D("3"), D("5.50")),
        LineInput("Impressions", D("0.05"), D("237"))])
    assert invoice.seller_vat_number == "FR12123456789" and invoice.vat_mention == ""
    assert invoice.buyer_is_business and invoice.buyer_siret == "98765432100011"
    assert invoice.recovery_indemnity == D("40.00")
    # 3 × 1.05 = 3.15 at 5.5 % = 0.17325 -> 0.17; 237 × 0.05 = 11.85 at 20 % = 2.37
    assert invoice.vat_breakdown == [{"rate": "5.50", "net": "3.15", "vat": "0.17"},
                                     {"rate": "20.00", "net": "111.85", "vat": "22.37"}]
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        D("115.00"), D("22.54"), D("137.54"))


def test_numbering_is_per_network_series_and_year(billed):
    from tests import factories as f

    first = issue(billed.network, member=billed.member)
    second = issue(billed.network, member=billed.member)
    next_year = issue(billed.network, member=billed.member, day=dt.date(2027, 1, 4),
                      now=local(dt.date(2027, 1, 4), 9))
    other_network = f.make_network("murat", legal_name="Pays de Murat", siren="111111111",
                                   siret="11111111100011", address="Place")
    elsewhere = issue(other_network, member=f.make_member(other_network))
    assert [first.number, second.number, next_year.number, elsewhere.number] == [
        "VER-2026-000001", "VER-2026-000002", "VER-2027-000001", "MUR-2026-000001"]
    for number in (first.number, format_number("ABCDEFGH", 2026, 10**9)):
        assert len(number) <= 35 and set(number) <= NUMBER_CHARS


def test_a_rollback_gives_the_number_back(billed):
    from django.db import transaction

    draft = draft_invoice(billed.network, lines=[LineInput("x", D("5"))],
                          service_start=ISSUE_DAY, service_end=ISSUE_DAY,
                          buyer_member=billed.member)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue_invoice(draft, issue_date=ISSUE_DAY, actor=None, now=NOW)
        raise RuntimeError("the caller's transaction fails after issuing")
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number is None
    assert not InvoiceCounter.objects.filter(last_number__gt=0).exists()
    assert issue_invoice(draft, issue_date=ISSUE_DAY, actor=None,
                         now=NOW).number == "VER-2026-000001"


def test_refusals_leave_nothing(billed):
    with pytest.raises(BillingError):
        draft_invoice(billed.network, lines=[], service_start=ISSUE_DAY, service_end=ISSUE_DAY,
                      buyer_member=billed.member)
    with pytest.raises(BillingError) as other:
        draft_invoice(billed.network, lines=[LineInput("x", D(1))], service_start=ISSUE_DAY,
                      service_end=ISSUE_DAY, buyer_member=billed.concierge_b)
    assert other.value.code == "other_network"
    invoice = issue(billed.network, member=billed.member)
    with pytest.raises(BillingError) as again:
        issue_invoice(invoice, issue_date=ISSUE_DAY, actor=None, now=NOW)
    assert again.value.code == "already_issued"
    with pytest.raises(BillingError) as future:
        issue(billed.network, member=billed.member, day=dt.date(2026, 11, 24))
    assert future.value.code == "future"
    assert Invoice.objects.filter(status="issued").count() == 1
    assert InvoiceCounter.objects.get().last_number == 1


def test_credit_note_refers_to_the_original_and_is_bounded(billed):
    invoice = issue(billed.network, member=billed.member)
    partial = issue_credit_note(invoice, reason="Deux jours de fermeture", issue_date=ISSUE_DAY,
                                actor=billed.coordinator.user, now=NOW,
                                lines=[LineInput("Remise fermeture", D("20.00"))])
    assert partial.number == "AV-2026-000001" and partial.credited_invoice == invoice
    assert partial.signed_total == D("-20.00")
    assert CreditNote.objects.get() == partial
    with pytest.raises(BillingError) as over:
        issue_credit_note(invoice, reason="Trop", issue_date=ISSUE_DAY, actor=None, now=NOW)
    assert over.value.code == "over_credit"
    assert CreditNote.objects.count() == 1
    rest = issue_credit_note(invoice, reason="Solde", issue_date=ISSUE_DAY, actor=None, now=NOW,
                             lines=[LineInput("Solde", D("80.00"))])
    assert rest.number == "AV-2026-000002"
    invoice.refresh_from_db()
    assert invoice.total_gross == D("100.00")  # the original never changes
