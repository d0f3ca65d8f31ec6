"""Small helpers creating holdings rows directly (the month-end tests do not depend on the
holdings services)."""

import datetime as dt
from decimal import Decimal

from billing.models import (
    Allowance,
    Consumption,
    EmployerAccount,
    MembershipFee,
    PassPurchase,
    Plan,
    PriceGroupMembership,
    Subscription,
    SubscriptionPause,
    TicketBook,
    TicketWallet,
)
from tests.conftest import local


def make_plan(network, name="Mensuel 2 jours", price="100.00", *, period="month",
              allowance=Allowance.DAYS_PER_WEEK, days=2, vat_rate="20.00", **kw) -> Plan:
    return Plan.objects.create(network=network, name=name, price=Decimal(price), period=period,
                               allowance=allowance,
                               allowance_days=None if allowance == Allowance.UNLIMITED else days,
                               vat_rate=Decimal(vat_rate), **kw)


def subscribe(member, plan, starts_on, ends_on=None, **kw) -> Subscription:
    return Subscription.objects.create(network=member.network, member=member, plan=plan,
                                       starts_on=starts_on, ends_on=ends_on, **kw)


def pause(sub, starts_on, ends_on) -> SubscriptionPause:
    return SubscriptionPause.objects.create(network=sub.network, subscription=sub,
                                            starts_on=starts_on, ends_on=ends_on)


def in_group(member, group, valid_from=None, valid_until=None) -> PriceGroupMembership:
    return PriceGroupMembership.objects.create(network=member.network, member=member,
                                               price_group=group, valid_from=valid_from,
                                               valid_until=valid_until)


def employer(organisation, **kw) -> EmployerAccount:
    return EmployerAccount.objects.create(network=organisation.network,
                                          organisation=organisation, **kw)


def book(network, name="Carnet 10 demi-journées", price="90.00", tickets=10) -> TicketBook:
    return TicketBook.objects.create(network=network, name=name, tickets=tickets,
                                     validity_months=6, price=Decimal(price))


def wallet(member, ticket_book, purchased_on, **kw) -> TicketWallet:
    return TicketWallet.objects.create(
        network=member.network, member=member, book=ticket_book, tickets=ticket_book.tickets,
        purchased_on=purchased_on, valid_until=purchased_on + dt.timedelta(days=180), **kw)


def pass_purchase(member, product, valid_from, **kw) -> PassPurchase:
    kw.setdefault("price", product.price)
    return PassPurchase.objects.create(network=member.network, member=member,
                                       pass_product=product, valid_from=valid_from,
                                       valid_until=valid_from, **kw)


def fee(network, price="20.00", period="calendar_year", **kw) -> MembershipFee:
    return MembershipFee.objects.create(network=network, name="Adhésion", price=Decimal(price),
                                        period=period, **kw)


def consumption(member, resource, day, amount, *, source="payg", half_days=2, hours=0,
                booking=None, vat_rate="20.00", **kw) -> Consumption:
    """A pay-as-you-go (or overage) row, with a booking made for it when none is given."""
    from bookings.models import Booking

    if booking is None:
        booking = Booking.objects.create(network=member.network, site=resource.site,
                                         resource=resource, member=member,
                                         start=local(day, 9), end=local(day, 18),
                                         is_exclusive=not resource.is_pooled, source="staff")
    return Consumption.objects.create(
        network=member.network, booking=booking, member=member, site=resource.site, day=day,
        source=source, half_days=half_days, hours=hours, amount=Decimal(amount),
        vat_rate=Decimal(vat_rate), **kw)
