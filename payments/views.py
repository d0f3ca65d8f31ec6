"""Coordinator pages (SEPA creditor, mandates, batches), the member's online payment and the
provider's webhook."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.models import Invoice
from core.context import network_view
from payments import online, sepa
from payments.errors import PaymentsError
from payments.forms import BatchForm, CollectForm, MandateForm, ReturnForm, SettingsForm
from payments.models import (
    BatchStatus,
    CheckoutSession,
    DirectDebitBatch,
    EventOutcome,
    Mandate,
    MandateStatus,
    PaymentSettings,
    ProviderEvent,
)
from payments.providers.base import InvalidSignature, ProviderError, get_provider

log = logging.getLogger(__name__)


def _online_enabled() -> bool:
    try:
        return get_provider() is not None
    except ProviderError:
        return False


def _data(request):
    """The POST data, bound even when empty (a form with only optional fields)."""
    return request.POST if request.method == "POST" else None


# --- Coordinator ------------------------------------------------------------------------------
@network_view("coordinator")
def payment_settings(request):
    network = request.ctx.network
    form = SettingsForm(_data(request), instance=PaymentSettings.of(network))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Réglages des paiements enregistrés."))
        return redirect("payments_settings", network.slug)
    refused = ProviderEvent.objects.filter(
        checkout__network=network, outcome=EventOutcome.REFUSED).select_related(
        "checkout__invoice")[:50]
    return render(request, "payments/settings.html",
                  {"network": network, "form": form, "refused": refused,
                   "online": _online_enabled()})


@network_view("coordinator")
def mandates(request):
    network = request.ctx.network
    form = MandateForm(_data(request), network=network)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sepa.create_mandate(network, member=data["member"],
                                organisation=data["organisation"],
                                debtor_name=data["debtor_name"], iban=data["iban"],
                                bic=data["bic"], rum=data["rum"], signed_on=data["signed_on"],
                                actor=request.user, now=timezone.now())
        except PaymentsError as err:
            field = err.code if err.code in form.fields else None
            form.add_error(field, err.message)
        else:
            messages.success(request, _("Mandat enregistré."))
            return redirect("payments_mandates", network.slug)
    rows = Mandate.objects.filter(network=network).select_related(
        "debtor_member__user", "debtor_organisation")
    return render(request, "payments/mandates.html",
                  {"network": network, "form": form, "mandates": rows})


@network_view("coordinator")
@require_POST
def revoke_mandate(request, mandate_id):
    network = request.ctx.network
    mandate = get_object_or_404(Mandate, network=network, pk=mandate_id)
    sepa.revoke_mandate(mandate, actor=request.user, now=timezone.now())
    messages.success(request, _("Mandat %(rum)s révoqué.") % {"rum": mandate.rum})
    return redirect("payments_mandates", network.slug)


@network_view("coordinator")
def batches(request):
    network = request.ctx.network
    form = BatchForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            batch = sepa.build_batch(network, actor=request.user, now=timezone.now(),
                                     **form.cleaned_data)
        except PaymentsError as err:
            form.add_error("collection_date" if err.code == "collection_date" else None,
                           err.message)
        else:
            messages.success(request, _("Remise créée : téléchargez le fichier pour la banque."))
            return redirect("payments_batch", network.slug, batch.pk)
    rows = DirectDebitBatch.objects.filter(network=network)[:100]
    return render(request, "payments/batches.html", {
        "network": network, "form": form, "batches": rows,
        "sepa_ready": PaymentSettings.of(network).sepa_ready})


def _batch(request, batch_id):
    return get_object_or_404(DirectDebitBatch, network=request.ctx.network, pk=batch_id)


@network_view("coordinator")
def batch_detail(request, batch_id):
    network = request.ctx.network
    batch = _batch(request, batch_id)
    items = list(batch.items.select_related("invoice", "mandate", "payment"))
    form = CollectForm(_data(request), items=items)
    if request.method == "POST":
        if batch.status != BatchStatus.CREATED:
            messages.error(request, _("Cette remise est déjà encaissée."))
            return redirect("payments_batch", network.slug, batch.pk)
        if form.is_valid():
            try:
                result = sepa.mark_collected(batch, rejected=form.rejected(),
                                             actor=request.user, now=timezone.now())
            except PaymentsError as err:
                form.add_error(None, err.message)
            else:
                messages.success(request, _("Remise encaissée : %(collected)s prélèvement(s) "
                                            "enregistré(s), %(rejected)s rejeté(s).") % result)
                for number, excess in result["excess"]:
                    messages.warning(request, _("Facture %(number)s : %(excess)s € prélevés en "
                                                "trop (réglée entre-temps), à rembourser.")
                                     % {"number": number, "excess": excess})
                return redirect("payments_batch", network.slug, batch.pk)
    return render(request, "payments/batch_detail.html", {
        "network": network, "batch": batch, "items": items, "form": form,
        "total": sum(item.amount for item in items), "reasons": sepa.REJECT_REASONS})


@network_view("coordinator")
@require_POST
def batch_return(request, batch_id):
    """Record a debit returned after the batch was marked collected."""
    network = request.ctx.network
    batch = _batch(request, batch_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez le motif et la date du retour."))
        return redirect("payments_batch", network.slug, batch.pk)
    item = get_object_or_404(batch.items, pk=form.cleaned_data["item"])
    try:
        sepa.record_return(item, reason=form.cleaned_data["reason"],
                           returned_on=form.cleaned_data["returned_on"], actor=request.user,
                           now=timezone.now())
    except PaymentsError as err:
        messages.error(request, err.message)
    else:
        messages.warning(request, _("Retour enregistré. Le paiement de la facture %(number)s "
                                    "est annulé : la facture est de nouveau à payer.")
                         % {"number": item.invoice.number})
    return redirect("payments_batch", network.slug, batch.pk)


@network_view("coordinator")
def batch_xml(request, batch_id):
    batch = _batch(request, batch_id)
    try:
        xml = sepa.export_pain008(batch)
    except PaymentsError as err:
        messages.error(request, err.message)
        return redirect("payments_batch", request.ctx.network.slug, batch.pk)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    return response


# --- Member -----------------------------------------------------------------------------------
@network_view()
@require_POST
def pay_online(request, invoice_id):
    ctx = request.ctx
    invoice = get_object_or_404(Invoice, network=ctx.network, buyer_member=ctx.member,
                                pk=invoice_id)
    provider = get_provider()
    if provider is None:
        raise Http404
    try:
        url = online.start_checkout(ctx.member, invoice, provider=provider, now=timezone.now())
    except PaymentsError as err:
        messages.error(request, err.message)
        return redirect("billing_my_invoices", ctx.network.slug)
    return redirect(url)


@network_view()
def payment_return(request):
    """Where the provider sends the member back. It only says what we know: the payment is
    recorded when the provider confirms it to our server, not because the browser came back."""
    ctx = request.ctx
    checkout = None
    ref = request.GET.get("paiement", "")
    if ref.isdigit():
        checkout = CheckoutSession.objects.filter(network=ctx.network, member=ctx.member,
                                                  pk=int(ref)).select_related("invoice").first()
    return render(request, "payments/return.html", {
        "network": ctx.network, "checkout": checkout,
        "cancelled": request.GET.get("annule") == "1"})


@network_view()
def my_mandate(request):
    ctx = request.ctx
    mandate = Mandate.objects.filter(network=ctx.network, debtor_member=ctx.member,
                                     status=MandateStatus.ACTIVE).first()
    return render(request, "payments/my_mandate.html", {"network": ctx.network,
                                                        "mandate": mandate})


# --- Provider webhook (public: the signature is the credential) ---------------------------
@csrf_exempt
@require_POST
def webhook(request, provider_name):
    try:
        provider = get_provider()
    except ProviderError:
        provider = None
    if provider is None or provider.name != provider_name:
        raise Http404
    try:
        event = online.handle_webhook(provider, request.body, request.headers,
                                      now=timezone.now())
    except InvalidSignature as err:
        log.warning("webhook refused (%s): %s", provider_name, err)
        return HttpResponseBadRequest("invalid signature")
    except ProviderError as err:
        log.error("webhook %s: provider unreachable: %s", provider_name, err)
        return HttpResponse("provider unreachable, retry later", status=503)
    return HttpResponse(f"{event.outcome}\n", content_type="text/plain")
