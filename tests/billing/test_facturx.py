"""Factur-X XML (EN 16931): XSD, schematron, amounts, franchise vs VAT-registered, credit
notes."""

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from billing.facturx import FacturXError, build_facturx_xml, check_xsd
from billing.models import BillingProfile, VatRegime
from billing.services import LineInput, issue_credit_note
from tests.billing.conftest import ISSUE_DAY, issue
from tests.billing.schematron import fatal, schematron_report
from tests.conftest import NOW

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def xp(tree, path):
    return [str(v) for v in tree.xpath(path, namespaces=NS)]


def one(tree, path):
    values = xp(tree, path)
    assert len(values) == 1, (path, values)
    return values[0]


@pytest.fixture
def registered(billed):
    """The same network, VAT-registered."""
    network = billed.network
    network.vat_number = "FR32123456789"
    network.save()
    profile = BillingProfile.of(network)
    profile.vat_regime = VatRegime.REGISTERED
    profile.save()
    return billed


def mixed_lines():
    return [LineInput("Abonnement illimité — novembre 2026", Decimal("150.00")),
            LineInput("Salle de réunion (heures)", Decimal("12.50"), Decimal("3")),
            LineInput("Café", Decimal("1.10"), Decimal("7"), vat_rate=Decimal("10.00"))]


def test_franchise_invoice_is_valid_and_says_art_293_b(billed):
    invoice = issue(billed.network, member=billed.member)
    xml = build_facturx_xml(invoice)
    check_xsd(xml)  # raises if invalid
    assert fatal(schematron_report(xml)) == []
    tree = etree.fromstring(xml)
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode/text()") == "380"
    assert one(tree, "//rsm:ExchangedDocument/ram:ID/text()") == invoice.number
    assert one(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()") == (
        "urn:cen.eu:en16931:2017")
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert xp(tree, f"{tax}/ram:CategoryCode/text()") == ["E"]
    assert one(tree, f"{tax}/ram:ExemptionReasonCode/text()") == "VATEX-FR-FRANCHISE"
    assert one(tree, f"{tax}/ram:ExemptionReason/text()") == (
        "TVA non applicable, art. 293 B du CGI")
    seller = "//ram:SellerTradeParty"
    assert one(tree, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']"
                     "/text()") == "123456789"
    assert one(tree, f"{seller}/ram:GlobalID[@schemeID='0009']/text()") == "12345678900018"
    assert xp(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == []
    # No VAT number: the SIREN as tax registration identifier (BT-32), which BR-E-02 needs.
    assert one(tree, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']"
                     "/text()") == "123456789"
    assert one(tree, "//ram:BuyerTradeParty/ram:Name/text()") == invoice.buyer_name
    assert one(tree, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:StartDateTime/"
                     "udt:DateTimeString/text()") == "20261101"
    assert one(tree, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:EndDateTime/"
                     "udt:DateTimeString/text()") == "20261130"
    assert one(tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/"
                     "udt:DateTimeString/text()") == invoice.due_date.strftime("%Y%m%d")
    # A private buyer: late penalties, no 40 € indemnity.
    assert xp(tree, "//ram:IncludedNote[ram:SubjectCode='PMD']") != []
    assert xp(tree, "//ram:IncludedNote[ram:SubjectCode='PMT']") == []


def test_amounts_equal_the_invoice_totals_vat_registered(registered):
    invoice = issue(registered.network, member=registered.member, lines=mixed_lines())
    assert invoice.total_vat > 0
    xml = build_facturx_xml(invoice)
    assert fatal(schematron_report(xml)) == []
    tree = etree.fromstring(xml)
    assert Decimal(one(tree, f"{TOTALS}/ram:TaxBasisTotalAmount/text()")) == invoice.total_net
    assert Decimal(one(tree, f"{TOTALS}/ram:LineTotalAmount/text()")) == invoice.total_net
    assert Decimal(one(tree, f"{TOTALS}/ram:TaxTotalAmount/text()")) == invoice.total_vat
    assert Decimal(one(tree, f"{TOTALS}/ram:GrandTotalAmount/text()")) == invoice.total_gross
    assert Decimal(one(tree, f"{TOTALS}/ram:DuePayableAmount/text()")) == invoice.total_gross
    # One VAT breakdown per rate, equal to the frozen one.
    rows = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    found = {(Decimal(r.findtext("ram:RateApplicablePercent", namespaces=NS)),
              Decimal(r.findtext("ram:BasisAmount", namespaces=NS)),
              Decimal(r.findtext("ram:CalculatedAmount", namespaces=NS)),
              r.findtext("ram:CategoryCode", namespaces=NS)) for r in rows}
    assert found == {(Decimal(row["rate"]), Decimal(row["net"]), Decimal(row["vat"]), "S")
                     for row in invoice.vat_breakdown}
    assert len(found) == 2
    assert one(tree, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/"
                     "ram:ID[@schemeID='VA']/text()") == "FR32123456789"
    assert xp(tree, "//ram:ExemptionReasonCode") == []
    lines = tree.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    assert [Decimal(line.findtext(".//ram:LineTotalAmount", namespaces=NS)) for line in lines] \
        == [line.net for line in invoice.lines.all()]


def test_business_buyer_gets_the_recovery_indemnity_and_its_siret(billed):
    invoice = issue(billed.network, organisation=billed.organisation)
    xml = build_facturx_xml(invoice)
    assert fatal(schematron_report(xml)) == []
    tree = etree.fromstring(xml)
    assert "40.00 €" in one(tree, "//ram:IncludedNote[ram:SubjectCode='PMT']/ram:Content/text()")
    assert one(tree, "//ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']/text()") == (
        "98765432100011")


def test_credit_note_refers_to_its_invoice(registered):
    invoice = issue(registered.network, member=registered.member, lines=mixed_lines())
    note = issue_credit_note(invoice, reason="Erreur de tarif", issue_date=ISSUE_DAY,
                             actor=registered.coordinator.user, now=NOW)
    xml = build_facturx_xml(note)
    assert fatal(schematron_report(xml)) == []
    tree = etree.fromstring(xml)
    assert one(tree, "//rsm:ExchangedDocument/ram:TypeCode/text()") == "381"
    assert one(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == (
        invoice.number)
    assert one(tree, "//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/"
                     "qdt:DateTimeString/text()") == invoice.issue_date.strftime("%Y%m%d")
    assert Decimal(one(tree, f"{TOTALS}/ram:GrandTotalAmount/text()")) == note.total_gross
    assert note.total_gross == invoice.total_gross
    assert "Erreur de tarif" in xp(tree, "//ram:IncludedNote/ram:Content/text()")


def test_schematron_catches_a_wrong_total(billed):
    """The schematron check can fail: a tampered grand total breaks BR-CO-15."""
    invoice = issue(billed.network, member=billed.member)
    xml = build_facturx_xml(invoice).replace(
        b"<ram:GrandTotalAmount>100.00<", b"<ram:GrandTotalAmount>90.00<")
    assert any(message.startswith("BR-CO-15") for message in fatal(schematron_report(xml)))


def test_xsd_check_refuses_an_invalid_document(billed):
    invoice = issue(billed.network, member=billed.member)
    xml = build_facturx_xml(invoice).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    with pytest.raises(FacturXError):
        check_xsd(xml)


def test_a_draft_has_no_xml(billed):
    from billing.services import draft_invoice

    draft = draft_invoice(billed.network, lines=[LineInput("x", Decimal("1"))],
                          service_start=dt.date(2026, 11, 1), service_end=dt.date(2026, 11, 30),
                          buyer_member=billed.member)
    with pytest.raises(ValueError):
        build_facturx_xml(draft)
