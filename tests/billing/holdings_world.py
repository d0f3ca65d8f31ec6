"""A catalogue from the product brief's tariffs and small helpers for the holdings and
consumption tests (network A of tests/conftest.py: Autrans with desks, office and room;
Villard with desks; "now" is Monday 23 November 2026, 08:00 in Paris)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from billing.models import (
    Allowance,
    Consumption,
    Coverage,
    Pass,
    Plan,
    PriceGroup,
    TicketBook,
    TicketCost,
    UnitPrice,
)
from bookings.services import book_resource
from places.models import Resource
from tests.conftest import NOW, local

SLOTS = {"am": (9, 13), "pm": (13, 18), "day": (9, 18)}


@dataclass
class Catalogue:
    week_pass: Pass
    day_pass: Pass
    half_day_pass: Pass
    two_days_a_week: Plan
    eight_days_a_month: Plan
    one_day_network: Plan
    unlimited: Plan
    book: TicketBook
    student: PriceGroup


def make_catalogue(network) -> Catalogue:
    """Murat's pay-as-you-go and passes (10 € half-day, 20 € day, 80 € week; 100 €/month for
    1-2 days a week), Pomerol's 8 days a month (70 €), Reichstett's 1 day a week over the
    network with a cap away from home (overage 10 € a day instead of 12 €: here 15 € instead
    of 20 €), the association's 10-ticket book (open space 1 per half-day, office 2 per
    half-day, meeting room 1 per hour) and a student price (6 € a half-day)."""
    student = PriceGroup.objects.create(network=network, kind="student", name="Étudiants")
    for unit, price, overage in (("half_day", 10, 8), ("day", 20, 15)):
        UnitPrice.objects.create(network=network, resource_kind="open_space", unit=unit,
                                 price=price, overage_price=overage)
    UnitPrice.objects.create(network=network, resource_kind="open_space", unit="half_day",
                             price=6, price_group=student)
    UnitPrice.objects.create(network=network, resource_kind="private_office", unit="half_day",
                             price=25)
    UnitPrice.objects.create(network=network, resource_kind="meeting_room", unit="hour",
                             price=15, vat_rate=D("20.00"))
    book = TicketBook.objects.create(network=network, name="Carnet de 10", tickets=10,
                                     validity_months=6, price=90)
    for kind, unit, tickets in (("open_space", "half_day", 1), ("private_office", "half_day", 2),
                                ("meeting_room", "hour", 1)):
        TicketCost.objects.create(network=network, book=book, resource_kind=kind, unit=unit,
                                  tickets=tickets)
    return Catalogue(
        week_pass=Pass.objects.create(network=network, name="Semaine", duration="week",
                                      price=80, resource_kinds=["open_space"]),
        day_pass=Pass.objects.create(network=network, name="Journée", duration="day",
                                     price=20),
        half_day_pass=Pass.objects.create(network=network, name="Demi-journée",
                                          duration="half_day", price=10,
                                          resource_kinds=["open_space"]),
        two_days_a_week=Plan.objects.create(
            network=network, name="1 à 2 jours par semaine", price=100,
            allowance=Allowance.DAYS_PER_WEEK, allowance_days=2, around_the_clock=True,
            resource_kinds=["open_space"]),
        eight_days_a_month=Plan.objects.create(
            network=network, name="8 jours par mois", price=70,
            allowance=Allowance.DAYS_PER_MONTH, allowance_days=8, coverage=Coverage.NETWORK),
        one_day_network=Plan.objects.create(
            network=network, name="1 jour par semaine, tout le réseau", price=40,
            allowance=Allowance.DAYS_PER_WEEK, allowance_days=1, coverage=Coverage.NETWORK,
            away_cap_days=2),
        unlimited=Plan.objects.create(
            network=network, name="Illimité réseau", price=107, allowance=Allowance.UNLIMITED,
            coverage=Coverage.NETWORK, away_cap_days=2, resource_kinds=["open_space"]),
        book=book, student=student)


@pytest.fixture
def cat(world) -> Catalogue:
    return make_catalogue(world.network)


def villard_desks(world) -> Resource:
    return Resource.objects.get(site=world.other_site, kind="open_space")


def book(member, resource, day: dt.date, slot="day", *, now=NOW, by_staff=False, seats=1,
         **kw):
    """Book through the service as a page would (the member acts unless by_staff)."""
    start, end = SLOTS[slot] if isinstance(slot, str) else slot
    resource = Resource.objects.select_related("site", "network").get(pk=resource.pk)
    return book_resource(member, resource, start=local(day, *_hm(start)),
                         end=local(day, *_hm(end)), actor=member.user, now=now,
                         by_staff=by_staff, seats=seats, notify=False, **kw)


def _hm(value):
    return (value, 0) if isinstance(value, int) else value


def paid(booking, live=True) -> list[tuple]:
    """(day, source, tickets, amount) of a booking's rows."""
    rows = Consumption.objects.filter(booking=booking, reversed_at__isnull=live).order_by(
        "day", "pk")
    return [(r.day, r.source, r.tickets, r.amount) for r in rows]


def a_wallet(member, ticket_book, purchased_on, *, valid_until=None, tickets=None):
    """A wallet as bought (6 months, the book's tickets) unless told otherwise."""
    from billing.allowance import validity_end
    from billing.models import TicketWallet

    return TicketWallet.objects.create(
        network=member.network, member=member, book=ticket_book,
        tickets=ticket_book.tickets if tickets is None else tickets, purchased_on=purchased_on,
        valid_until=valid_until or validity_end(purchased_on, ticket_book.validity_months))


def a_pass(member, product, valid_from, *, site=None):
    from billing.models import PassPurchase
    from billing.services.holdings import pass_validity

    return PassPurchase.objects.create(
        network=member.network, member=member, pass_product=product, site=site,
        valid_from=valid_from, valid_until=pass_validity(product, valid_from),
        price=product.price)
