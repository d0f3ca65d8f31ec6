"""Background tasks of billing (huey)."""

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=30)
def render_invoice_document(invoice_id: int) -> None:
    """Factur-X XML + PDF/A-3 of an issued invoice (billing/documents.py)."""
    from billing.documents import render_document

    render_document(invoice_id)
