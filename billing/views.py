"""Member portal (my invoices and payments) and the staff's payment desk."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.errors import BillingError
from billing.forms import PaymentForm
from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.services.payments import record_payment
from core.context import network_view


@network_view()
def my_invoices(request):
    ctx = request.ctx
    return render(request, "billing/my_invoices.html", {
        "network": ctx.network,
        "invoices": list(selectors.member_invoices(ctx.member)),
        "payments": list(selectors.member_payments(ctx.member)),
    })


@network_view("staff")
def staff_invoices(request):
    ctx = request.ctx
    invoices = selectors.with_balances(Invoice.objects.filter(
        network=ctx.network, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)).order_by(
        "-issue_date", "-number")[:200]
    return render(request, "billing/staff_invoices.html",
                  {"network": ctx.network, "invoices": list(invoices)})


@network_view("staff")
def payment_form(request, invoice_id):
    ctx = request.ctx
    invoice = get_object_or_404(selectors.with_balances(Invoice.objects.filter(
        network=ctx.network, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)),
        pk=invoice_id)
    now = timezone.now()
    form = PaymentForm(request.POST or None, initial={
        "amount": invoice.balance, "received_on": now.astimezone(ctx.network.tz).date()})
    if request.method == "POST" and form.is_valid():
        try:
            record_payment(invoice, actor=request.user, now=now, **form.cleaned_data)
        except BillingError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Paiement enregistré."))
            return redirect("billing_staff_invoices", ctx.network.slug)
    return render(request, "billing/payment_form.html",
                  {"network": ctx.network, "invoice": invoice, "form": form})
