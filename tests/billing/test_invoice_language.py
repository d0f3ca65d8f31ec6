"""The invoice PDF is a French legal document: it renders in French whatever the language of
the person (or task) asking for it, even though its strings are in the English catalogue."""

from django.utils import translation

from billing.pdf import invoice_html
from tests.billing.conftest import issue


def test_invoice_renders_in_french_for_an_english_reader(billed):
    invoice = issue(billed.network, organisation=billed.organisation)
    with translation.override("en"):
        # The catalogue does translate these strings: the override is what keeps them French.
        assert translation.gettext("Total TTC à payer") == "Total incl. VAT to pay"
        html = invoice_html(invoice)
        assert translation.get_language() == "en"  # the override does not leak out
    assert f"Facture n° {invoice.number}" in html
    assert "Total TTC à payer" in html
    assert "TVA non applicable, art. 293 B du CGI" in html
    assert "Invoice no." not in html and "Total incl. VAT" not in html
