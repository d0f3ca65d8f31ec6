"""The invoice PDF: WeasyPrint renders it as PDF/A-3b, then the `factur-x` library embeds the
Factur-X XML (profile EN 16931) as `factur-x.xml` (AFRelationship "Data") and writes the
Factur-X XMP metadata (PDF/A-3 identification, Factur-X extension schema).

Everything on the page comes from what was frozen on the invoice when it was issued.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from billing.facturx import FACTURX_LEVEL, build_facturx_xml
from billing.models import InvoiceKind

PDF_VARIANT = "pdf/a-3b"


def invoice_html(invoice) -> str:
    with translation.override("fr"):
        return render_to_string("billing/invoice_pdf.html", {
            "invoice": invoice,
            "credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
            "lines": list(invoice.lines.order_by("position")),
            "vat_rows": [{"rate": Decimal(row["rate"]), "net": Decimal(row["net"]),
                          "vat": Decimal(row["vat"])} for row in invoice.vat_breakdown],
        })


def render_pdf_a3(invoice) -> bytes:
    """The visible invoice as PDF/A-3b, without the XML yet. WeasyPrint is imported lazily so
    the rest of the site runs without its system libraries (Pango)."""
    import weasyprint

    html = weasyprint.HTML(string=invoice_html(invoice), base_url=str(settings.BASE_DIR))
    return html.write_pdf(pdf_variant=PDF_VARIANT)


def pdf_metadata(invoice) -> dict:
    title = ("Avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Facture")
    return {
        "author": invoice.seller_name,
        "keywords": "Factur-X, EN 16931",
        "title": f"{invoice.seller_name} : {title.lower()} {invoice.number}",
        "subject": f"{title} {invoice.number} du {invoice.issue_date:%d/%m/%Y} "
                   f"émise par {invoice.seller_name}",
    }


def render_invoice_files(invoice) -> tuple[bytes, bytes]:
    """(Factur-X XML, PDF/A-3 embedding it) of an issued invoice or credit note."""
    from facturx import generate_from_binary

    xml = build_facturx_xml(invoice)  # validated against the XSD
    pdf = generate_from_binary(render_pdf_a3(invoice), xml, flavor="factur-x",
                               level=FACTURX_LEVEL, check_xsd=False,
                               pdf_metadata=pdf_metadata(invoice), lang="fr-FR")
    return xml, pdf


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
