"""Rendered documents of issued invoices (Factur-X XML + PDF/A-3), made in the background.

`issue_invoice` calls `schedule_document` in its transaction: the rendering task is enqueued
after commit (a rolled-back issue renders nothing), never run inside the request or the
month-end run. `render_document` is idempotent: a document that exists is kept as it is (it
is written once), and two workers racing on one invoice leave one row.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceDocument, InvoiceStatus

log = logging.getLogger(__name__)


def schedule_document(invoice) -> None:
    """Enqueue the rendering of an issued invoice's documents once the transaction commits.
    `BILLING_RENDER_DOCUMENTS = False` (setting) turns it off, e.g. for a benchmark that
    measures issuing only; `render_missing_documents` catches up later."""
    if not getattr(settings, "BILLING_RENDER_DOCUMENTS", True):
        return
    from billing.tasks import render_invoice_document

    invoice_id = invoice.pk
    transaction.on_commit(lambda: render_invoice_document(invoice_id))


def render_document(invoice_id: int, *, now=None) -> InvoiceDocument | None:
    """Render and store the XML and PDF of an issued invoice; the existing document if there
    is one; None for a draft or an unknown id."""
    from billing.pdf import render_invoice_files, sha256

    existing = InvoiceDocument.objects.filter(invoice_id=invoice_id).first()
    if existing is not None:
        return existing
    invoice = (Invoice.objects.select_related("credited_invoice")
               .filter(pk=invoice_id, status=InvoiceStatus.ISSUED).first())
    if invoice is None:
        return None
    xml, pdf = render_invoice_files(invoice)
    try:
        with transaction.atomic():
            return InvoiceDocument.objects.create(
                network_id=invoice.network_id, invoice=invoice,
                facturx_xml=xml.decode("utf-8"), pdf=pdf, pdf_sha256=sha256(pdf),
                rendered_at=now or timezone.now())
    except IntegrityError:  # another worker stored it first: keep theirs
        return InvoiceDocument.objects.get(invoice_id=invoice_id)


def render_missing_documents(network=None, *, limit: int | None = None) -> int:
    """Render every issued invoice that has no document yet (after an outage of the task
    queue, or with BILLING_RENDER_DOCUMENTS off); returns how many were rendered."""
    invoices = Invoice.objects.filter(status=InvoiceStatus.ISSUED, document__isnull=True)
    if network is not None:
        invoices = invoices.filter(network=network)
    ids = list(invoices.order_by("pk").values_list("pk", flat=True)[:limit])
    for invoice_id in ids:
        render_document(invoice_id)
    return len(ids)
