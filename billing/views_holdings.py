""""Mes droits" (a member's subscriptions, tickets, passes and what paid for their bookings)
and the staff's pages to sell and change them (concierges and coordinators of the network).
Members are looked up within the request's network only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.errors import BillingError
from billing.forms_holdings import (
    ChangePlanForm,
    EndForm,
    PassSaleForm,
    PauseForm,
    PriceGroupForm,
    QuotaUsageForm,
    SubscriptionForm,
    TicketBookSaleForm,
)
from billing.models import PriceGroupMembership, Subscription
from billing.selectors_holdings import member_balance, subscription_balance
from billing.services import holdings as services
from core.context import network_view
from members.models import Member
from members.selectors import search_members

PAGE_SIZE = 25


def _today(network):
    return timezone.now().astimezone(network.tz).date()


@network_view("member")
def my_holdings(request):
    ctx = request.ctx
    return render(request, "billing/holdings/mine.html", {
        "network": ctx.network,
        "balance": member_balance(ctx.member, today=_today(ctx.network))})


@network_view("staff")
def staff_members(request):
    """Find the member to sell to (concierges have no access to the coordinator's list)."""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(search_members(request.ctx.network, query), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "billing/holdings/staff_members.html", {
        "network": request.ctx.network, "page": page, "query": query})


# Each form of the member's page: (form class, service call, success message).
def _sell_subscription(member, data, actor, now):
    services.subscribe(member, data["plan"], starts_on=data["starts_on"],
                       ends_on=data["ends_on"], home_site=data["home_site"],
                       headcount=data["headcount"], commitment_months=data["commitment_months"],
                       promo_code=data["promo_code"], actor=actor, now=now)
    return _("Abonnement « %(name)s » enregistré.") % {"name": data["plan"].name}


def _sell_book(member, data, actor, now):
    wallet = services.buy_ticket_book(member, data["book"], purchased_on=data["purchased_on"],
                                      invoice=data["invoice"], actor=actor, now=now)
    return _("Carnet « %(name)s » vendu%(invoice)s.") % {
        "name": data["book"].name,
        "invoice": _(" (facture %(n)s)") % {"n": wallet.invoice.number} if wallet.invoice
        else ""}


def _sell_pass(member, data, actor, now):
    bought = services.buy_pass(member, data["pass_product"], valid_from=data["valid_from"],
                               site=data["site"], invoice=data["invoice"], actor=actor, now=now)
    return _("Pass « %(name)s » vendu%(invoice)s.") % {
        "name": data["pass_product"].name,
        "invoice": _(" (facture %(n)s)") % {"n": bought.invoice.number} if bought.invoice
        else ""}


def _join_group(member, data, actor, now):
    services.join_price_group(member, data["price_group"], valid_from=data["valid_from"],
                              valid_until=data["valid_until"], actor=actor, now=now)
    return _("Groupe tarifaire « %(name)s » ajouté.") % {"name": data["price_group"].name}


def _record_quota(member, data, actor, now):
    services.record_quota_usage(member, data["quota"], used_on=data["used_on"],
                                quantity=data["quantity"], actor=actor, now=now)
    return _("Relevé « %(name)s » enregistré.") % {"name": data["quota"].name}


ACTIONS = {
    "subscription": (SubscriptionForm, _sell_subscription),
    "book": (TicketBookSaleForm, _sell_book),
    "pass": (PassSaleForm, _sell_pass),
    "group": (PriceGroupForm, _join_group),
    "quota": (QuotaUsageForm, _record_quota),
}


@network_view("staff")
def staff_member(request, member_id):
    """A member's holdings, with the forms to sell a subscription, a ticket book or a pass,
    to add a price group or record quota use. A refused form keeps what was typed."""
    ctx = request.ctx
    member = get_object_or_404(Member.objects.select_related("user", "organisation", "network"),
                               pk=member_id, network=ctx.network)
    today = _today(ctx.network)
    action = request.POST.get("action") if request.method == "POST" else None
    initial = {"subscription": {"starts_on": today}, "book": {"purchased_on": today},
               "pass": {"valid_from": today}, "quota": {"used_on": today}}
    forms = {name: cls(request.POST if action == name else None, network=ctx.network,
                       prefix=name, initial=initial.get(name))
             for name, (cls, _call) in ACTIONS.items()}
    if action in ACTIONS and forms[action].is_valid():
        try:
            done = ACTIONS[action][1](member, forms[action].cleaned_data, request.user,
                                      timezone.now())
        except BillingError as err:
            forms[action].add_error(None, err.message)
        else:
            messages.success(request, done)
            return redirect("billing_staff_member", ctx.network.slug, member.pk)
    return render(request, "billing/holdings/staff_member.html", {
        "network": ctx.network, "member": member, "forms": forms,
        "balance": member_balance(member, today=today)})


@network_view("staff")
def staff_subscription(request, subscription_id):
    """Change the plan of, pause or end one subscription."""
    ctx = request.ctx
    sub = get_object_or_404(Subscription.objects.select_related(
        "plan", "home_site", "member__user", "member__network", "network", "previous__plan"
    ).prefetch_related("pauses"), pk=subscription_id, network=ctx.network)
    today = _today(ctx.network)
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    change = ChangePlanForm(data if action == "change" else None, network=ctx.network,
                            prefix="change", initial={"on": today})
    pause = PauseForm(data if action == "pause" else None, prefix="pause")
    end = EndForm(data if action == "end" else None, prefix="end",
                  initial={"ends_on": sub.ends_on or today})
    form = {"change": change, "pause": pause, "end": end}.get(action)
    if form is not None and form.is_valid():
        d, now, actor = form.cleaned_data, timezone.now(), request.user
        try:
            if action == "change":
                kw = {"home_site": d["home_site"]} if d["home_site"] else {}
                new = services.change_plan(sub, d["plan"], on=d["on"], actor=actor, now=now,
                                           **kw)
                done = _("Abonnement changé : « %(name)s » à partir du %(day)s.") % {
                    "name": new.plan.name, "day": new.starts_on.strftime("%d/%m/%Y")}
            elif action == "pause":
                services.pause_subscription(sub, starts_on=d["starts_on"], ends_on=d["ends_on"],
                                            actor=actor, now=now)
                done = _("Suspension enregistrée.")
            else:
                services.end_subscription(sub, ends_on=d["ends_on"], actor=actor, now=now)
                done = _("Fin de l'abonnement enregistrée au %(day)s.") % {
                    "day": d["ends_on"].strftime("%d/%m/%Y")}
        except BillingError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, done)
            return redirect("billing_staff_member", ctx.network.slug, sub.member_id)
    return render(request, "billing/holdings/staff_subscription.html", {
        "network": ctx.network, "sub": sub, "balance": subscription_balance(sub, today),
        "change": change, "pause": pause, "end": end,
        "replaced": Subscription.objects.filter(previous=sub).exists()})


@require_POST
@network_view("staff")
def staff_leave_group(request, membership_id):
    ctx = request.ctx
    membership = get_object_or_404(PriceGroupMembership.objects.select_related(
        "member", "network", "price_group"), pk=membership_id, network=ctx.network)
    try:
        services.leave_price_group(membership, last_day=_today(ctx.network),
                                   actor=request.user, now=timezone.now())
    except BillingError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("%(group)s : fin au %(day)s.") % {
            "group": membership.price_group.name,
            "day": membership.valid_until.strftime("%d/%m/%Y")})
    return redirect("billing_staff_member", ctx.network.slug, membership.member_id)
