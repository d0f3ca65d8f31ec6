"""The day pass of a walk-in who registers at a site's kiosk (issue 4 with issue 3).

When the network sells a day pass (an active `Pass` of duration "day" in its catalogue), the
visitor becomes a member of the network — or is matched, by e-mail, to the member they already
are — with the status they declared, gets a `PassPurchase` for today at that site, and an
invoice issued at once, to be paid on site: the concierge sees it on the front desk as to be
paid and records the payment with `billing.services.payments.record_payment`.

Choices where the issue was silent:
- several day passes in the catalogue: the cheapest active one (then the oldest) is sold;
- a pass of duration "day" covers the whole local day at the kiosk's site only (`site` set);
- a visitor who already holds a pass for today at this site (second registration the same
  day) is not billed twice: the visit is attached to that pass;
- the member account is created without a password (no log-in until the person sets one
  through "forgotten password"), and joins even a network closed to free registration: the
  kiosk is the network's own device;
- the declared status replaces the member's status (it is what they said today); the home
  commune is filled only when empty;
- an invoice that cannot be issued (network identity incomplete, period closed) refuses
  nothing at the kiosk: the visit is recorded without a pass (the front desk shows none) and
  the reason goes to the audit log and the server log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import Pass, PassDuration, PassPurchase
from billing.selectors import balance_of
from billing.services.invoices import LineInput, draft_invoice, issue_invoice
from core import audit
from core.money import money

logger = logging.getLogger(__name__)


def day_pass_of(network) -> Pass | None:
    """The day pass the network sells to walk-ins, or None (then the kiosk bills nothing)."""
    return (Pass.objects.filter(network=network, duration=PassDuration.DAY, is_active=True)
            .order_by("price", "pk").first())


def _member_for(visit, *, actor):
    """The network's member with the visitor's e-mail, created (with a user without
    password) if needed; status and home commune from what the visitor declared."""
    from members.models import Member, User
    from members.services import join_network

    network = visit.network
    email = visit.email.strip().lower()
    member = (Member.objects.select_related("user")
              .filter(network=network, user__email__iexact=email).first())
    if member is None:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            first, _sep, last = visit.name.strip().partition(" ")
            user = User.objects.create_user(email, password=None, first_name=first[:150],
                                            last_name=last[:150])
        # The kiosk is the network's own device: the walk-in joins even a network closed to
        # free registration (join_network's check is for self-service sign-up).
        member = join_network(user, network, actor=actor or user, status=visit.status,
                              home_commune=visit.home_commune)
    elif not member.is_active:
        member = join_network(member.user, network, actor=actor or member.user)
    changed = []
    if member.status != visit.status:
        member.status = visit.status
        changed.append("status")
    if visit.home_commune and not member.home_commune:
        member.home_commune = visit.home_commune
        changed.append("home_commune")
    if changed:
        member.save(update_fields=changed)
    return member


def sell_day_pass(visit, *, now: dt.datetime, actor=None) -> PassPurchase | None:
    """Bill today's day pass of a walk-in visit (see the module's docstring). Returns the
    purchase, or None when the network sells no day pass or the invoice could not be issued.
    Runs in the caller's transaction (a savepoint around the billing part)."""
    network = visit.network
    product = day_pass_of(network)
    if product is None:
        return None
    site = visit.site
    today = now.astimezone(network.tz).date()
    try:
        with transaction.atomic():
            member = _member_for(visit, actor=actor)
            purchase = (PassPurchase.objects.filter(
                network=network, member=member, site=site, valid_from__lte=today,
                valid_until__gte=today, pass_product__duration=PassDuration.DAY)
                .select_related("invoice").first())
            if purchase is None:
                purchase = PassPurchase.objects.create(
                    network=network, member=member, pass_product=product, site=site,
                    valid_from=today, valid_until=today, price=money(product.price))
                label = _("%(pass)s – %(site)s – %(day)s (à régler sur place)") % {
                    "pass": product.name, "site": site.name, "day": today.strftime("%d/%m/%Y")}
                invoice = draft_invoice(
                    network, lines=[LineInput(label=label, unit_price=product.price,
                                              vat_rate=product.vat_rate, member=member,
                                              site=site)],
                    service_start=today, service_end=today, buyer_member=member, actor=actor)
                invoice = issue_invoice(invoice, issue_date=today, actor=actor, now=now)
                purchase.invoice = invoice
                purchase.save(update_fields=["invoice"])
                audit.record(network=network, actor=actor, action="billing.walk_in_day_pass",
                             target=purchase, data={"visit": visit.pk,
                                                    "invoice": invoice.number})
            visit.member, visit.day_pass = member, purchase
            visit.save(update_fields=["member", "day_pass"])
            # From now on the person counts as this member in attendance figures.
            visit.presence_events.filter(member__isnull=True).update(member=member)
    except BillingError as err:
        logger.warning("walk-in day pass not billed (network %s): %s", network.slug,
                       err.message)
        audit.record(network=network, actor=actor, action="billing.walk_in_day_pass_failed",
                     target=visit, data={"reason": err.message})
        return None
    return purchase


def pass_status(purchase: PassPurchase | None) -> dict | None:
    """What the front desk shows for a walk-in's pass: amount, invoice, what remains due."""
    if purchase is None or purchase.invoice_id is None:
        return None
    remaining = balance_of(purchase.invoice)
    return {"purchase": purchase, "invoice": purchase.invoice,
            "amount": purchase.invoice.total_gross, "remaining": remaining,
            "paid": remaining <= 0}
