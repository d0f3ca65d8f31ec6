"""Selling and changing what members hold: subscriptions (subscribe, change of plan, pause,
end), ticket books, passes, price groups, quota use. Staff of the network only (a concierge
or a coordinator); each write is one transaction with an audit row.

Each service locks the member's row, as booking consumption does, so a sale and a booking
of the same member never interleave. When what a member holds changes, their bookings are
paid for again (`consumption.reconsider`): those whose subscription days fall out of its
validity (end, pause, change of plan), and upcoming ones (from today) paid by a source that
comes later in the order than what was just added (a new pass, subscription, ticket book or
price group). Rows already invoiced are never touched.

Ticket books and passes paid by the member are invoiced at once (draft + issue in the same
transaction; the sale is refused if the invoice cannot be issued); those paid by an employer
account, or sold with `invoice=False`, keep `invoice` empty for the month-end run.
Subscriptions are charged by the month-end run (billing/proration.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from billing.allowance import Span, validity_end
from billing.errors import BillingError
from billing.models import (
    Consumption,
    ConsumptionSource,
    Coverage,
    Discount,
    EmployerAccount,
    PassDuration,
    PassPurchase,
    PriceGroupMembership,
    QuotaUsage,
    Subscription,
    SubscriptionPause,
    TicketWallet,
)
from billing.services import consumption
from billing.services.invoices import LineInput, draft_invoice, issue_invoice
from core import audit
from members.models import Member
from members.selectors import is_network_staff

ONE_DAY = dt.timedelta(days=1)
S = ConsumptionSource


def _day(value: dt.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _require_staff(actor, network) -> None:
    if not is_network_staff(actor, network):
        raise BillingError("forbidden", _("Seule l'équipe du réseau (accueil ou coordination) "
                                          "peut faire cela."))


def _same_network(member, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.network_id != member.network_id:
            raise BillingError("other_network", _("Cet élément n'appartient pas au réseau de "
                                                  "ce membre."))


def _lock_member(member) -> Member:
    """Serialise with the member's bookings (see consumption.lock_member)."""
    locked = Member.objects.select_for_update(of=("self",)).select_related(
        "network", "user").get(pk=member.pk)
    if not locked.is_active:
        raise BillingError("inactive_member", _("L'adhésion de cette personne au réseau n'est "
                                                "plus active."))
    return locked


def _today(network, now) -> dt.date:
    return now.astimezone(network.tz).date()


def payer_for(member, what: str):
    """The member's organisation when it has an active employer account paying `what`
    ("pays_bookings", "pays_passes" or "pays_subscriptions"), else None."""
    if member.organisation_id is None:
        return None
    account = EmployerAccount.objects.filter(
        organisation_id=member.organisation_id, is_active=True, **{what: True}).select_related(
        "organisation").first()
    return account.organisation if account else None


def _reconsider(member, rows: Q, *, now) -> int:
    """Pay again for the bookings having live, uninvoiced rows matching `rows`."""
    from bookings.models import Booking

    ids = set(Consumption.objects.filter(rows, member=member, reversed_at__isnull=True)
              .values_list("booking_id", flat=True))
    if not ids:
        return 0
    ids -= set(Consumption.objects.filter(booking_id__in=ids, reversed_at__isnull=True,
                                          invoice_line__isnull=False)
               .values_list("booking_id", flat=True))
    bookings = Booking.objects.filter(pk__in=ids).select_related("resource__site", "network",
                                                                 "member")
    return consumption.reconsider(list(bookings), now=now)


def _upcoming(sources, first: dt.date, last: dt.date | None, today: dt.date) -> Q:
    """Rows from `sources` on upcoming days of [first, last] (a new holding does not rewrite
    what past days cost)."""
    q = Q(source__in=sources, day__gte=max(first, today), invoice_line__isnull=True)
    return q & Q(day__lte=last) if last is not None else q


def _outside(subscription) -> Q:
    """Rows paid by `subscription` on days it no longer pays for."""
    span = Span.of(subscription, list(subscription.pauses.all()))
    days = {d for d in Consumption.objects.filter(subscription=subscription,
                                                  reversed_at__isnull=True)
            .values_list("day", flat=True) if not span.is_active(d)}
    return Q(subscription=subscription, day__in=days)


# --- subscriptions --------------------------------------------------------------------

def _recheck_after(sub: Subscription, first_day: dt.date) -> list[str]:
    """Days from `first_day` on may now cost less than what was invoiced: the next
    month-end run recomputes them and credits the difference (billing/services/credits.py).
    Returns the fields to save."""
    if sub.invoiced_through is None or first_day > sub.invoiced_through:
        return []
    if sub.recheck_from is None or first_day < sub.recheck_from:
        sub.recheck_from = first_day
        return ["recheck_from"]
    return []


def _check_overlap(member, starts_on, ends_on, *, exclude=None) -> None:
    others = Subscription.objects.filter(member=member).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)).select_related("plan")
    if ends_on is not None:
        others = others.filter(starts_on__lte=ends_on)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.order_by("starts_on").first()
    if other is not None:
        when = (_("du %(start)s au %(end)s") % {"start": _day(other.starts_on),
                                               "end": _day(other.ends_on)}
                if other.ends_on else _("depuis le %(start)s, sans date de fin") % {
                    "start": _day(other.starts_on)})
        raise BillingError("overlap", _(
            "%(member)s a déjà l'abonnement « %(plan)s » %(when)s : un membre n'a qu'un "
            "abonnement à la fois. Changez d'abonnement ou terminez le premier avant d'en "
            "ajouter un autre.") % {"member": member.display_name, "plan": other.plan.name,
                                    "when": when})


def _check_terms(member, plan, *, starts_on, ends_on, home_site, headcount, commitment_months,
                 promo_code) -> None:
    _same_network(member, plan, home_site)
    if not plan.is_active:
        raise BillingError("not_for_sale", _("L'abonnement « %(plan)s » n'est plus en vente.")
                           % {"plan": plan.name})
    if ends_on is not None and ends_on < starts_on:
        raise BillingError("dates", _("La fin d'un abonnement ne peut précéder son début."))
    if home_site is None and (plan.coverage == Coverage.HOME_SITE or plan.away_cap_days):
        raise BillingError("home_site", _("Choisissez le lieu de rattachement : l'abonnement "
                                          "« %(plan)s » en dépend.") % {"plan": plan.name})
    if headcount < 1:
        raise BillingError("headcount", _("Un abonnement couvre au moins une personne."))
    if commitment_months < plan.commitment_months:
        raise BillingError("commitment", _("L'abonnement « %(plan)s » demande un engagement "
                                           "d'au moins %(n)s mois.") % {
            "plan": plan.name, "n": plan.commitment_months})
    if promo_code and not Discount.objects.filter(network_id=member.network_id,
                                                  code__iexact=promo_code).exists():
        raise BillingError("promo_code", _("Code promo « %(code)s » inconnu dans ce réseau.")
                           % {"code": promo_code})


def subscribe(member, plan, *, starts_on: dt.date, actor, now, ends_on: dt.date | None = None,
              home_site=None, headcount: int = 1, commitment_months: int | None = None,
              promo_code: str = "", previous: Subscription | None = None) -> Subscription:
    """Sell `plan` to `member` from `starts_on` (to `ends_on`, included; empty: open-ended).
    Refused: a plan no longer for sale, a home-site plan without its home site, a commitment
    shorter than the plan's, an unknown promo code, and any overlap with another subscription
    of the member. The member's employer pays it when its employer account pays
    subscriptions."""
    network = member.network
    _require_staff(actor, network)
    promo_code = promo_code.strip()
    commitment = plan.commitment_months if commitment_months is None else commitment_months
    _check_terms(member, plan, starts_on=starts_on, ends_on=ends_on, home_site=home_site,
                 headcount=headcount, commitment_months=commitment, promo_code=promo_code)
    with transaction.atomic():
        member = _lock_member(member)
        _check_overlap(member, starts_on, ends_on)
        sub = Subscription.objects.create(
            network=network, member=member, plan=plan, home_site=home_site, starts_on=starts_on,
            ends_on=ends_on, headcount=headcount, commitment_months=commitment,
            promo_code=promo_code, payer_organisation=payer_for(member, "pays_subscriptions"),
            previous=previous, created_by=actor if getattr(actor, "is_authenticated", False)
            else None)
        audit.record(network=network, actor=actor, action="billing.subscription.created",
                     target=sub, data={"plan": plan.name, "starts_on": starts_on.isoformat(),
                                       "ends_on": ends_on and ends_on.isoformat(),
                                       "previous": previous and previous.pk})
        _reconsider(member, _upcoming([S.TICKETS, S.PAYG, S.OVERAGE], starts_on, ends_on,
                                      _today(network, now)), now=now)
    return sub


def change_plan(subscription: Subscription, plan, *, on: dt.date, actor, now,
                home_site=..., headcount: int | None = None,
                commitment_months: int | None = None, promo_code: str | None = None
                ) -> Subscription:
    """Move a member to another plan from `on`: the current subscription ends the day before,
    a new one starts on `on` (linked by `previous`) and keeps the end date, home site,
    headcount and promo code unless new ones are given; pauses after `on` move with it."""
    network = subscription.network
    _require_staff(actor, network)
    with transaction.atomic():
        _lock_member(subscription.member)
        old = Subscription.objects.select_for_update(of=("self",)).select_related(
            "member__network", "member__user", "plan").get(pk=subscription.pk)
        if Subscription.objects.filter(previous=old).exists():
            raise BillingError("replaced", _("Cet abonnement a déjà été remplacé par un autre."))
        if on <= old.starts_on:
            raise BillingError("dates", _("Le nouvel abonnement doit commencer après le début "
                                          "de l'actuel (%(start)s).") % {
                "start": _day(old.starts_on)})
        if old.ends_on is not None and on > old.ends_on:
            raise BillingError("ended", _("Cet abonnement se termine le %(end)s : souscrivez "
                                          "plutôt un nouvel abonnement.") % {
                "end": _day(old.ends_on)})
        ends_on = old.ends_on
        old.ends_on = on - ONE_DAY
        old.save(update_fields=["ends_on", *_recheck_after(old, on)])
        moved = []  # pauses from `on` on follow the member to the new plan
        for p in list(old.pauses.filter(ends_on__gte=on)):
            moved.append((max(p.starts_on, on), p.ends_on))
            if p.starts_on >= on:
                p.delete()
            else:
                p.ends_on = on - ONE_DAY
                p.save(update_fields=["ends_on"])
        new = subscribe(
            old.member, plan, starts_on=on, ends_on=ends_on, actor=actor, now=now,
            home_site=old.home_site if home_site is ... else home_site,
            headcount=old.headcount if headcount is None else headcount,
            commitment_months=commitment_months,
            promo_code=old.promo_code if promo_code is None else promo_code, previous=old)
        SubscriptionPause.objects.bulk_create([
            SubscriptionPause(network=network, subscription=new, starts_on=start, ends_on=end)
            for start, end in moved])
        audit.record(network=network, actor=actor, action="billing.subscription.changed",
                     target=old, data={"from": old.plan.name, "to": plan.name,
                                       "on": on.isoformat(), "new": new.pk})
        _reconsider(old.member, _outside(old) | _outside(new), now=now)
    return new


def pause_subscription(subscription: Subscription, *, starts_on: dt.date, ends_on: dt.date,
                       actor, now) -> SubscriptionPause:
    """Suspend a subscription over [starts_on, ends_on]: those days give no allowance (and
    are not charged). The pause lies within the subscription and overlaps no other pause;
    bookings already paid by the subscription on those days are paid for again."""
    network = subscription.network
    _require_staff(actor, network)
    if ends_on < starts_on:
        raise BillingError("dates", _("La fin de la suspension ne peut précéder son début."))
    with transaction.atomic():
        _lock_member(subscription.member)
        sub = Subscription.objects.select_for_update(of=("self",)).select_related(
            "member", "plan").get(pk=subscription.pk)
        if starts_on < sub.starts_on or (sub.ends_on is not None and ends_on > sub.ends_on):
            raise BillingError("outside", _(
                "La suspension doit tenir dans l'abonnement (%(when)s).") % {
                "when": _("du %(start)s au %(end)s") % {"start": _day(sub.starts_on),
                                                        "end": _day(sub.ends_on)}
                if sub.ends_on else _("à partir du %(start)s") % {"start": _day(sub.starts_on)}})
        other = sub.pauses.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if other is not None:
            raise BillingError("overlap", _("Cette suspension chevauche celle du %(start)s au "
                                            "%(end)s.") % {"start": _day(other.starts_on),
                                                          "end": _day(other.ends_on)})
        pause = SubscriptionPause.objects.create(network=network, subscription=sub,
                                                 starts_on=starts_on, ends_on=ends_on)
        fields = _recheck_after(sub, starts_on)
        if fields:
            sub.save(update_fields=fields)
        audit.record(network=network, actor=actor, action="billing.subscription.paused",
                     target=sub, data={"starts_on": starts_on.isoformat(),
                                       "ends_on": ends_on.isoformat()})
        _reconsider(sub.member, _outside(sub), now=now)
    return pause


def end_subscription(subscription: Subscription, *, ends_on: dt.date, actor,
                     now) -> Subscription:
    """Set the last day (included) of a subscription. It cannot end before it starts, nor
    run into another subscription; a replaced subscription ends with its replacement.
    Bookings it paid for after the new end are paid for again; pauses after it are trimmed.
    Ending before the commitment is over is allowed and noted in the audit row."""
    network = subscription.network
    _require_staff(actor, network)
    with transaction.atomic():
        _lock_member(subscription.member)
        sub = Subscription.objects.select_for_update(of=("self",)).select_related(
            "member__user", "plan").get(pk=subscription.pk)
        if Subscription.objects.filter(previous=sub).exists():
            raise BillingError("replaced", _("Cet abonnement a été remplacé : terminez plutôt "
                                             "le nouvel abonnement."))
        if ends_on < sub.starts_on:
            raise BillingError("dates", _("Un abonnement ne peut se terminer avant son début "
                                          "(%(start)s).") % {"start": _day(sub.starts_on)})
        _check_overlap(sub.member, sub.starts_on, ends_on, exclude=sub)
        previous_end = sub.ends_on
        sub.ends_on = ends_on
        sub.save(update_fields=["ends_on", *_recheck_after(sub, ends_on + ONE_DAY)])
        sub.pauses.filter(starts_on__gt=ends_on).delete()
        sub.pauses.filter(ends_on__gt=ends_on).update(ends_on=ends_on)
        commitment_end = validity_end(sub.starts_on, sub.commitment_months) \
            if sub.commitment_months else None
        audit.record(network=network, actor=actor, action="billing.subscription.ended",
                     target=sub, data={"ends_on": ends_on.isoformat(),
                                       "was": previous_end and previous_end.isoformat(),
                                       "before_commitment_end": bool(
                                           commitment_end and ends_on < commitment_end)})
        rows = _outside(sub)
        if previous_end is not None and ends_on > previous_end:  # extended
            rows |= _upcoming([S.TICKETS, S.PAYG, S.OVERAGE], previous_end + ONE_DAY, ends_on,
                              _today(network, now))
        _reconsider(sub.member, rows, now=now)
    return sub


# --- ticket books and passes ----------------------------------------------------------

def _invoice_sale(member, *, label, price, vat_rate, start, end, site, actor, now):
    today = _today(member.network, now)
    draft = draft_invoice(member.network, lines=[LineInput(
        label=label, unit_price=price, vat_rate=vat_rate, member=member, site=site)],
        service_start=start, service_end=end, buyer_member=member, actor=actor)
    return issue_invoice(draft, issue_date=today, actor=actor, now=now)


def buy_ticket_book(member, book, *, actor, now, purchased_on: dt.date | None = None,
                    invoice: bool = True) -> TicketWallet:
    """Sell a book of tickets: a wallet holding the book's tickets, valid from the purchase
    to the day before the same day `validity_months` later (billing.allowance.validity_end).
    A purchase cannot be dated in the future."""
    network = member.network
    _require_staff(actor, network)
    _same_network(member, book)
    today = _today(network, now)
    purchased_on = purchased_on or today
    if not book.is_active:
        raise BillingError("not_for_sale", _("Le carnet « %(book)s » n'est plus en vente.") % {
            "book": book.name})
    if purchased_on > today:
        raise BillingError("future", _("Un achat ne peut être daté dans le futur."))
    valid_until = validity_end(purchased_on, book.validity_months)
    with transaction.atomic():
        member = _lock_member(member)
        payer = payer_for(member, "pays_passes")
        wallet = TicketWallet.objects.create(
            network=network, member=member, book=book, tickets=book.tickets,
            purchased_on=purchased_on, valid_until=valid_until, payer_organisation=payer)
        if invoice and payer is None:
            wallet.invoice = _invoice_sale(
                member, label=_("%(book)s — %(n)s tickets valables jusqu'au %(until)s") % {
                    "book": book.name, "n": book.tickets,
                    "until": valid_until.strftime("%d/%m/%Y")},
                price=book.price, vat_rate=book.vat_rate, start=purchased_on, end=valid_until,
                site=None, actor=actor, now=now)
            wallet.save(update_fields=["invoice"])
        audit.record(network=network, actor=actor, action="billing.ticket_book.sold",
                     target=wallet, data={"book": book.name, "tickets": book.tickets,
                                          "valid_until": valid_until.isoformat(),
                                          "invoice": wallet.invoice_id})
        _reconsider(member, _upcoming([S.PAYG, S.OVERAGE], purchased_on, valid_until, today),
                    now=now)
    return wallet


def pass_validity(product, valid_from: dt.date) -> dt.date:
    """Last day of a pass: the same day for a half-day or day pass, 7 days for a week pass,
    a month (billing.allowance.validity_end) for a month pass."""
    if product.duration == PassDuration.WEEK:
        return valid_from + dt.timedelta(days=6)
    if product.duration == PassDuration.MONTH:
        return validity_end(valid_from, 1)
    return valid_from


def buy_pass(member, product, *, valid_from: dt.date, actor, now, site=None,
             invoice: bool = True) -> PassPurchase:
    """Sell a pass valid from `valid_from` for its duration (`pass_validity`), at its
    catalogue price; with `site`, it covers that site only."""
    network = member.network
    _require_staff(actor, network)
    _same_network(member, product, site)
    if not product.is_active:
        raise BillingError("not_for_sale", _("Le pass « %(name)s » n'est plus en vente.") % {
            "name": product.name})
    valid_until = pass_validity(product, valid_from)
    with transaction.atomic():
        member = _lock_member(member)
        payer = payer_for(member, "pays_passes")
        bought = PassPurchase.objects.create(
            network=network, member=member, pass_product=product, site=site,
            valid_from=valid_from, valid_until=valid_until, price=product.price,
            payer_organisation=payer)
        if invoice and payer is None:
            when = (_("le %(day)s") % {"day": valid_from.strftime("%d/%m/%Y")}
                    if valid_until == valid_from else
                    _("du %(start)s au %(end)s") % {"start": valid_from.strftime("%d/%m/%Y"),
                                                   "end": valid_until.strftime("%d/%m/%Y")})
            bought.invoice = _invoice_sale(
                member, label=f"{product.name} — {when}", price=product.price,
                vat_rate=product.vat_rate, start=valid_from, end=valid_until, site=site,
                actor=actor, now=now)
            bought.save(update_fields=["invoice"])
        audit.record(network=network, actor=actor, action="billing.pass.sold", target=bought,
                     data={"pass": product.name, "valid_from": valid_from.isoformat(),
                           "valid_until": valid_until.isoformat(), "invoice": bought.invoice_id})
        _reconsider(member, _upcoming([S.SUBSCRIPTION, S.TICKETS, S.PAYG, S.OVERAGE],
                                      valid_from, valid_until, _today(network, now)), now=now)
    return bought


# --- price groups and quotas ----------------------------------------------------------

def join_price_group(member, group, *, actor, now, valid_from: dt.date | None = None,
                     valid_until: dt.date | None = None) -> PriceGroupMembership:
    """Put a member in a price group (student, job-seeker…) for a period (open on either
    side when empty), never twice over the same days."""
    network = member.network
    _require_staff(actor, network)
    _same_network(member, group)
    if valid_from and valid_until and valid_until < valid_from:
        raise BillingError("dates", _("La fin ne peut précéder le début."))
    with transaction.atomic():
        member = _lock_member(member)
        if PriceGroupMembership.objects.filter(
                consumption.valid_on(valid_from or dt.date.min, valid_until or dt.date.max),
                member=member, price_group=group).exists():
            raise BillingError("overlap", _("%(member)s fait déjà partie du groupe « %(group)s » "
                                            "sur cette période.") % {
                "member": member.display_name, "group": group.name})
        membership = PriceGroupMembership.objects.create(
            network=network, member=member, price_group=group, valid_from=valid_from,
            valid_until=valid_until)
        audit.record(network=network, actor=actor, action="billing.price_group.joined",
                     target=membership, data={"group": group.name})
        _reconsider(member, _upcoming([S.PAYG, S.OVERAGE], valid_from or dt.date.min,
                                      valid_until, _today(network, now)), now=now)
    return membership


def leave_price_group(membership: PriceGroupMembership, *, last_day: dt.date, actor,
                      now) -> PriceGroupMembership:
    """End a member's price group membership on `last_day` (included)."""
    network = membership.network
    _require_staff(actor, network)
    if membership.valid_from and last_day < membership.valid_from:
        raise BillingError("dates", _("La fin ne peut précéder le début (%(start)s).") % {
            "start": _day(membership.valid_from)})
    with transaction.atomic():
        member = _lock_member(membership.member)
        membership.valid_until = last_day
        membership.save(update_fields=["valid_until"])
        audit.record(network=network, actor=actor, action="billing.price_group.left",
                     target=membership, data={"last_day": last_day.isoformat()})
        _reconsider(member, _upcoming([S.PAYG, S.OVERAGE], last_day + ONE_DAY, None,
                                      _today(network, now)), now=now)
    return membership


def record_quota_usage(member, quota, *, used_on: dt.date, quantity: int, actor,
                       now) -> QuotaUsage:
    """Record use of a quota that is not a booking (printed pages…); the month-end run bills
    what goes beyond the monthly inclusion. Not in the future; a positive quantity."""
    network = member.network
    _require_staff(actor, network)
    _same_network(member, quota)
    if quantity < 1:
        raise BillingError("quantity", _("La quantité doit être positive."))
    if used_on > _today(network, now):
        raise BillingError("future", _("Un relevé ne peut être daté dans le futur."))
    with transaction.atomic():
        row = QuotaUsage.objects.create(
            network=network, member=member, quota=quota, used_on=used_on, quantity=quantity,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(network=network, actor=actor, action="billing.quota.recorded", target=row,
                     data={"quota": quota.name, "quantity": quantity,
                           "used_on": used_on.isoformat()})
    return row
