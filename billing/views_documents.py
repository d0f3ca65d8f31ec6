"""Invoice PDF downloads (member: their own; staff: the network's) and the accounting
exports page (coordinator)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceDocument, InvoiceKind, InvoiceStatus
from core import audit
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


@network_view("coordinator")
def accounting_exports(request):
    """FEC and CSV exports for a date range (the coordinator: the network's accounts)."""
    from billing import exports
    from billing.forms_exports import ExportForm

    ctx = request.ctx
    network = ctx.network
    today = timezone.now().astimezone(network.tz).date()
    form = ExportForm(request.GET if "export" in request.GET else None,
                      initial={"export": "fec", "start": today.replace(month=1, day=1),
                               "end": today})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        export = form.cleaned_data["export"]
        if export == "fec":
            data, name = exports.fec_bytes(network, start, end), exports.fec_filename(network,
                                                                                      end)
            content_type = f"text/plain; charset={exports.FEC_ENCODING}"
        else:
            build = exports.invoices_csv if export == "factures" else exports.payments_csv
            data, name = build(network, start, end), (
                f"{export}-{network.slug}-{start:%Y%m%d}-{end:%Y%m%d}.csv")
            content_type = "text/csv; charset=utf-8"
        audit.record(network=network, actor=request.user, action="billing.export",
                     target=network, data={"export": export, "start": start.isoformat(),
                                           "end": end.isoformat()})
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "billing/accounting_exports.html",
                  {"network": network, "form": form})
