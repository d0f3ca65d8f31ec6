"""Invoice PDF downloads (member: their own; staff: the network's) and the accounting
exports page (coordinator)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceDocument, InvoiceKind, InvoiceStatus
from core.context import network_view


def _pdf_response(request, invoice, back: str):
    document = (InvoiceDocument.objects.filter(invoice=invoice)
                .only("pdf", "invoice_id").first())
    if document is None:
        messages.info(request, _("Le PDF de la facture %(number)s est en cours de préparation : "
                                 "réessayez dans quelques instants.")
                      % {"number": invoice.number})
        return redirect(back, request.ctx.network.slug)
    kind = _("avoir") if invoice.kind == InvoiceKind.CREDIT_NOTE else _("facture")
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{invoice.number}.pdf"'
    return response


@network_view()
def member_invoice_pdf(request, invoice_id):
    """A member's own invoice or credit note; any other is a 404."""
    ctx = request.ctx
    invoice = get_object_or_404(Invoice, pk=invoice_id, network=ctx.network,
                                buyer_member=ctx.member, status=InvoiceStatus.ISSUED)
    return _pdf_response(request, invoice, "billing_my_invoices")


@network_view("staff")
def staff_invoice_pdf(request, invoice_id):
    ctx = request.ctx
    invoice = Invoice.objects.filter(pk=invoice_id, network=ctx.network,
                                     status=InvoiceStatus.ISSUED).first()
    if invoice is None:
        raise Http404
    return _pdf_response(request, invoice, "billing_staff_invoices")
