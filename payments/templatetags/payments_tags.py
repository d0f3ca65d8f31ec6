"""Small pieces of the payments app shown on billing's member invoices page."""

from django import template

from payments.models import Mandate, MandateStatus
from payments.providers.base import ProviderError, get_provider

register = template.Library()


def _online_enabled() -> bool:
    try:
        return get_provider() is not None
    except ProviderError:
        return False


@register.inclusion_tag("payments/includes/pay_button.html", takes_context=True)
def pay_online_button(context, invoice):
    """'Payer en ligne' for an issued invoice with something left to pay, when a provider is
    configured."""
    if "payments_online" not in context:
        context["payments_online"] = _online_enabled()
    show = (context["payments_online"] and invoice.kind == "invoice"
            and getattr(invoice, "balance", 0) > 0)
    return {"show": show, "invoice": invoice, "network": context.get("network")}


@register.inclusion_tag("payments/includes/my_mandate.html", takes_context=True)
def my_mandate_summary(context):
    request = context.get("request")
    ctx = getattr(request, "ctx", None)
    mandate = None
    if ctx is not None:
        mandate = Mandate.objects.filter(network=ctx.network, debtor_member=ctx.member,
                                         status=MandateStatus.ACTIVE).first()
    return {"mandate": mandate, "network": context.get("network")}
