"""Invoice PDF/A-3 with its Factur-X XML: rendered after commit by a task, stored once,
downloadable by the buyer and the network's staff only."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from facturx import get_xml_from_pdf
from pypdf import PdfReader

from billing.documents import render_document, render_missing_documents
from billing.models import BillingProfile, InvoiceDocument, VatRegime
from billing.pdf import sha256
from billing.services import LineInput, issue_credit_note
from tests import factories as f
from tests.billing.conftest import ISSUE_DAY, issue
from tests.conftest import NOW


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def xmp(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


@pytest.fixture
def rendered(billed, django_capture_on_commit_callbacks):
    """An invoice to a business buyer, issued and rendered by the task after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(billed.network, organisation=billed.organisation)
    return invoice


def test_the_task_renders_after_commit_not_before(billed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = issue(billed.network, member=billed.member)
    assert not InvoiceDocument.objects.filter(invoice=invoice).exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the (immediate, in tests) huey task runs
    document = InvoiceDocument.objects.get(invoice=invoice)
    assert document.network_id == billed.network.pk
    assert document.pdf_sha256 == sha256(bytes(document.pdf))


def test_rendering_is_idempotent(rendered):
    first = InvoiceDocument.objects.get(invoice=rendered)
    again = render_document(rendered.pk)
    assert again.pk == first.pk
    assert InvoiceDocument.objects.filter(invoice=rendered).count() == 1
    assert render_missing_documents() == 0


def test_missing_documents_are_caught_up(billed, settings):
    settings.BILLING_RENDER_DOCUMENTS = False
    invoice = issue(billed.network, member=billed.member)
    assert not InvoiceDocument.objects.filter(invoice=invoice).exists()
    assert render_missing_documents(billed.network) == 1
    assert InvoiceDocument.objects.filter(invoice=invoice).exists()


def test_render_command_catches_up(billed, settings):
    from django.core.management import call_command

    settings.BILLING_RENDER_DOCUMENTS = False
    invoice = issue(billed.network, member=billed.member)
    out = io.StringIO()
    call_command("render_invoice_documents", "vercors", stdout=out)
    assert "1 document(s)" in out.getvalue()
    assert InvoiceDocument.objects.filter(invoice=invoice).exists()
    call_command("render_invoice_documents", stdout=out)
    assert InvoiceDocument.objects.count() == 1


def test_embedded_xml_is_the_stored_one_and_pdf_is_pdf_a3(rendered):
    document = InvoiceDocument.objects.get(invoice=rendered)
    pdf = bytes(document.pdf)
    filename, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == document.facturx_xml.encode("utf-8")
    metadata = xmp(pdf)
    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in metadata
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["factur-x.xml"]
    assert reader.trailer["/Root"]["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert len(reader.pages) == 1


def test_pdf_shows_every_mandatory_mention(rendered):
    text = pdf_text(bytes(InvoiceDocument.objects.get(invoice=rendered).pdf))
    for expected in (f"Facture n° {rendered.number}", "Association Tiers-lieux du Plateau",
                     "SIREN 123456789", "SIRET 12345678900018",
                     "TVA non applicable, art. 293 B du CGI", "Scierie du Plateau",
                     "SIRET 98765432100011", "23/11/2026", "du 01/11/2026 au 30/11/2026",
                     rendered.due_date.strftime("%d/%m/%Y"),
                     "Abonnement 1 à 2 jours par semaine — novembre 2026", "100,00 €",
                     "Total TTC à payer", rendered.payment_terms, rendered.late_penalty_terms,
                     "Indemnité forfaitaire pour frais de recouvrement", "40,00 €"):
        assert expected in text, expected


def test_pdf_of_a_private_buyer_has_no_indemnity(billed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(billed.network, member=billed.member)
    text = pdf_text(bytes(InvoiceDocument.objects.get(invoice=invoice).pdf))
    assert "Camille Martin" in text
    assert "Indemnité forfaitaire" not in text


def test_vat_registered_pdf_shows_vat_per_rate(billed, django_capture_on_commit_callbacks):
    network = billed.network
    network.vat_number = "FR32123456789"
    network.save()
    profile = BillingProfile.of(network)
    profile.vat_regime = VatRegime.REGISTERED
    profile.save()
    lines = [LineInput("Bureau fermé", Decimal("200.00")),
             LineInput("Café", Decimal("1.10"), Decimal("10"), vat_rate=Decimal("10.00"))]
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(network, member=billed.member, lines=lines)
    text = pdf_text(bytes(InvoiceDocument.objects.get(invoice=invoice).pdf))
    assert "N° de TVA intracommunautaire FR32123456789" in text
    assert "art. 293 B" not in text
    assert "20 % 200,00 € 40,00 €" in text
    assert "10 % 11,00 € 1,10 €" in text
    assert "252,10 €" in text  # 200 + 40 + 11 + 1.10


def test_credit_note_pdf_refers_to_the_invoice(billed, django_capture_on_commit_callbacks):
    invoice = issue(billed.network, member=billed.member)
    with django_capture_on_commit_callbacks(execute=True):
        note = issue_credit_note(invoice, reason="Abonnement résilié", issue_date=ISSUE_DAY,
                                 actor=None, now=NOW)
    document = InvoiceDocument.objects.get(invoice=note)
    text = pdf_text(bytes(document.pdf))
    assert f"Avoir n° {note.number}" in text
    assert f"Avoir relatif à la facture n° {invoice.number} du 23/11/2026" in text
    assert "Abonnement résilié" in text
    assert f"<ram:IssuerAssignedID>{invoice.number}</ram:IssuerAssignedID>" in (
        document.facturx_xml)


# --- downloads -------------------------------------------------------------------------------

def member_url(invoice):
    return reverse("billing_member_invoice_pdf", args=[invoice.network.slug, invoice.pk])


def staff_url(invoice):
    return reverse("billing_staff_invoice_pdf", args=[invoice.network.slug, invoice.pk])


@pytest.fixture
def member_invoice(billed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return issue(billed.network, member=billed.member)


def test_member_downloads_their_invoice(client, billed, member_invoice):
    client.force_login(billed.member.user)
    response = client.get(member_url(member_invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(InvoiceDocument.objects.get(invoice=member_invoice).pdf)
    assert member_invoice.number in response["Content-Disposition"]
    page = client.get(reverse("billing_my_invoices", args=[billed.network.slug]))
    assert member_url(member_invoice) in page.content.decode()


def test_another_member_cannot_download_it(client, billed, member_invoice):
    other = f.make_member(billed.network, f.make_user("autre@example.org"))
    client.force_login(other.user)
    assert client.get(member_url(member_invoice)).status_code == 404


def test_employer_invoice_is_not_an_employee_download(client, billed, rendered):
    client.force_login(billed.member.user)
    assert client.get(member_url(rendered)).status_code == 404


def test_other_network_and_anonymous_cannot_download(client, billed, member_invoice):
    client.force_login(billed.concierge_b.user)
    assert client.get(member_url(member_invoice)).status_code == 404
    assert client.get(staff_url(member_invoice)).status_code == 404
    gers = reverse("billing_staff_invoice_pdf", args=[billed.network_b.slug, member_invoice.pk])
    assert client.get(gers).status_code == 404  # their own network, not their invoice
    client.logout()
    for url in (member_url(member_invoice), staff_url(member_invoice)):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_staff_downloads_the_networks_invoices(client, billed, member_invoice, rendered):
    client.force_login(billed.concierge.user)
    for invoice in (member_invoice, rendered):
        response = client.get(staff_url(invoice))
        assert response.status_code == 200
        assert response.content[:5] == b"%PDF-"
    page = client.get(reverse("billing_staff_invoices", args=[billed.network.slug]))
    assert staff_url(member_invoice) in page.content.decode()


def test_a_member_is_not_staff(client, billed, member_invoice):
    client.force_login(billed.member.user)
    assert client.get(staff_url(member_invoice)).status_code == 403


def test_not_yet_rendered_says_so(client, billed, settings):
    settings.BILLING_RENDER_DOCUMENTS = False
    invoice = issue(billed.network, member=billed.member)
    client.force_login(billed.member.user)
    response = client.get(member_url(invoice), follow=True)
    assert response.status_code == 200
    assert "en cours de préparation" in response.content.decode()
    client.force_login(billed.concierge.user)
    response = client.get(staff_url(invoice), follow=True)
    assert "en cours de préparation" in response.content.decode()


def test_a_rendering_failure_leaves_the_issued_invoice_alone(
        billed, django_capture_on_commit_callbacks, monkeypatch):
    import billing.pdf

    def broken(invoice):
        raise RuntimeError("Pango is missing")

    monkeypatch.setattr(billing.pdf, "render_invoice_files", broken)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(billed.network, member=billed.member)  # does not raise
    invoice.refresh_from_db()
    assert invoice.is_issued
    assert not InvoiceDocument.objects.filter(invoice=invoice).exists()
    monkeypatch.undo()
    assert render_missing_documents() == 1
