"""Member portal (my invoices and payments) and the staff's payment desk (recording and
cancelling payments)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.errors import BillingError
from billing.forms import PaymentForm, ReversalForm
from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.services.payments import record_payment, reverse_payment
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


@network_view("staff")
def invoice_payments(request, invoice_id):
    """The payments of an invoice, and "Annuler ce paiement" for one of them (a mistaken
    entry, a bounced cheque, a refund): staff of the network."""
    ctx = request.ctx
    invoice = get_object_or_404(selectors.with_balances(Invoice.objects.filter(
        network=ctx.network, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)),
        pk=invoice_id)
    payments = list(invoice.payments.select_related("reversal", "recorded_by").order_by(
        "received_on", "pk"))
    open_payments = [p for p in payments if not hasattr(p, "reversal")]
    now = timezone.now()
    chosen = request.GET.get("paiement", "")
    form = ReversalForm(request.POST or None, payments=open_payments, initial={
        "reversed_on": now.astimezone(ctx.network.tz).date(),
        "payment": int(chosen) if chosen.isdigit() else None})
    if request.method == "POST" and form.is_valid():
        payment = next(p for p in open_payments if p.pk == form.cleaned_data["payment"])
        try:
            reverse_payment(payment, reason=form.cleaned_data["reason"],
                            reversed_on=form.cleaned_data["reversed_on"],
                            note=form.cleaned_data["note"], actor=request.user, now=now)
        except BillingError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Paiement annulé : la facture %(number)s est de nouveau "
                                        "à payer pour ce montant.") % {"number": invoice.number})
            return redirect("billing_invoice_payments", ctx.network.slug, invoice.pk)
    return render(request, "billing/invoice_payments.html", {
        "network": ctx.network, "invoice": invoice, "payments": payments, "form": form,
        "can_reverse": bool(open_payments)})
