"""Every tariff of the product brief as catalogue rows (no code), with exact amounts."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.models import (
    Allowance,
    Coverage,
    Discount,
    MembershipFee,
    Pass,
    Plan,
    PlanPriceTier,
    PriceGroup,
    Quota,
    TicketBook,
    TicketCost,
    UnitPrice,
)
from billing.pricing import (
    PricingError,
    membership_period,
    payg_amount,
    plan_charge,
    quota_overage,
    tickets_needed,
    usage_of,
)
from tests import factories as f
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def test_murat(world):
    """10 € half-day, 20 € day, 80 € week, 100 €/month for 1-2 days a week with 24/7 badge;
    free for 2 years for newcomers who followed the telework training."""
    n = world.network
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="half_day", price=10)
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="day", price=20)
    week = Pass.objects.create(network=n, name="Semaine", duration="week", price=80)
    plan = Plan.objects.create(network=n, name="1 à 2 jours par semaine", price=100,
                               allowance=Allowance.DAYS_PER_WEEK, allowance_days=2,
                               around_the_clock=True)
    trained = PriceGroup.objects.create(network=n, kind="other", name="Formés au télétravail")
    Discount.objects.create(network=n, name="2 ans offerts", price_group=trained, free_months=24)

    morning = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 12))
    whole_day = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 18))
    assert payg_amount(n, morning) == D("10.00")
    assert payg_amount(n, whole_day) == D("20.00")
    assert week.price == D("80.00")
    start = dt.date(2026, 1, 5)
    assert plan_charge(plan, on=start) == D("100.00")
    assert plan.around_the_clock
    assert plan_charge(plan, on=start, started_on=start, price_group=trained) == D("0.00")
    assert plan_charge(plan, on=dt.date(2028, 1, 4), started_on=start,
                       price_group=trained) == D("0.00")
    assert plan_charge(plan, on=dt.date(2028, 1, 5), started_on=start,
                       price_group=trained) == D("100.00")


def test_pomerol(world):
    """30 €/year; full time 107 €/month; 4 days/month 40 €, 8 days 70 €, 12 days 90 €;
    à la carte 14 €/day."""
    n = world.network
    fee = MembershipFee.objects.create(network=n, name="Adhésion", price=30,
                                       period="rolling_year")
    full = Plan.objects.create(network=n, name="Temps plein", price=107,
                               allowance=Allowance.UNLIMITED)
    parts = {days: Plan.objects.create(network=n, name=f"{days} jours", price=price,
                                       allowance=Allowance.DAYS_PER_MONTH, allowance_days=days)
             for days, price in ((4, 40), (8, 70), (12, 90))}
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="day", price=14)

    assert fee.price == D("30.00")
    assert membership_period(fee, start=dt.date(2026, 3, 15)) == (dt.date(2026, 3, 15),
                                                                  dt.date(2027, 3, 14))
    on = dt.date(2026, 12, 1)
    assert plan_charge(full, on=on) == D("107.00")
    assert [plan_charge(parts[d], on=on) for d in (4, 8, 12)] == [D("40.00"), D("70.00"),
                                                                  D("90.00")]
    # No half-day price: a morning costs the day price.
    assert payg_amount(n, usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 12))) == D(14)
    two_days = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY + dt.timedelta(1), 18))
    assert payg_amount(n, two_days) == D("28.00")


def test_boitron(world):
    """15 €/year + 50 €/month, everyone has a key, 24/7."""
    n = world.network
    fee = MembershipFee.objects.create(network=n, name="Adhésion", price=15)
    plan = Plan.objects.create(network=n, name="Résident", price=50,
                               allowance=Allowance.UNLIMITED, around_the_clock=True)
    assert membership_period(fee, start=dt.date(2026, 3, 15)) == (dt.date(2026, 3, 15),
                                                                  dt.date(2026, 12, 31))
    assert fee.price + plan_charge(plan, on=dt.date(2026, 3, 1)) * 12 == D("615.00")


def test_soho_solo(world):
    """Membership free, offices free, 1,000 printed pages/month, coworking 50 €/month on the
    home telecentre (no common calendar across the 8)."""
    n = world.network
    fee = MembershipFee.objects.create(network=n, name="Adhésion", price=0)
    UnitPrice.objects.create(network=n, resource_kind="private_office", unit="half_day", price=0)
    coworking = Plan.objects.create(network=n, name="Coworking", price=50,
                                    allowance=Allowance.UNLIMITED, coverage=Coverage.HOME_SITE,
                                    resource_kinds=["open_space"])
    pages = Quota.objects.create(network=n, name="Impressions", unit_label="pages",
                                 included_per_month=1000, overage_price=D("0.05"))
    assert fee.price == D("0.00")
    office_day = usage_of(world.office, local(TUESDAY, 9), local(TUESDAY, 18))
    assert payg_amount(n, office_day) == D("0.00")
    assert plan_charge(coworking, on=TUESDAY) == D("50.00")
    assert coworking.covers_kind("open_space") and not coworking.covers_kind("private_office")
    assert quota_overage(pages, 1000) == D("0.00")
    assert quota_overage(pages, 1237) == D("11.85")


def test_reichstett(world):
    """12 €/day; monthly subscription by days per week, degressive by commitment and people."""
    n = world.network
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="day", price=12,
                             overage_price=10)
    plan = Plan.objects.create(network=n, name="1 jour par semaine", price=40,
                               allowance=Allowance.DAYS_PER_WEEK, allowance_days=1,
                               coverage=Coverage.NETWORK, away_cap_days=2)
    for basis, minimum, price in (("commitment", 6, 36), ("commitment", 12, 32),
                                  ("headcount", 5, 34)):
        PlanPriceTier.objects.create(network=n, plan=plan, basis=basis, minimum=minimum,
                                     price=price)
    day = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 17))
    assert payg_amount(n, day) == D("12.00")
    assert payg_amount(n, day, overage=True) == D("10.00")
    on = dt.date(2026, 12, 1)
    assert plan_charge(plan, on=on) == D("40.00")
    assert plan_charge(plan, on=on, commitment_months=6) == D("36.00")
    assert plan_charge(plan, on=on, commitment_months=12) == D("32.00")
    assert plan_charge(plan, on=on, headcount=5) == D("170.00")  # 5 × 34
    assert plan_charge(plan, on=on, headcount=5, commitment_months=12) == D("160.00")  # no stack


def test_ten_ticket_books(world):
    """10 tickets valid 6 months; open space 1 per half-day, private office 2 per half-day,
    meeting room 1 per hour; half-days split at 13:30."""
    n = world.network
    world.site.half_day_split = dt.time(13, 30)
    world.site.save()
    book = TicketBook.objects.create(network=n, name="Carnet de 10", tickets=10,
                                     validity_months=6, price=100)
    for kind, unit, tickets in (("open_space", "half_day", 1), ("private_office", "half_day", 2),
                                ("meeting_room", "hour", 1)):
        TicketCost.objects.create(network=n, book=book, resource_kind=kind, unit=unit,
                                  tickets=tickets)
    for r in (world.desks, world.office, world.room):
        r.refresh_from_db()

    def cost(resource, start, end):
        return tickets_needed(book, usage_of(resource, local(TUESDAY, *start),
                                             local(TUESDAY, *end)))

    assert cost(world.desks, (9,), (13, 30)) == 1
    assert cost(world.desks, (9,), (13, 31)) == 2  # one minute past the split: the afternoon
    assert cost(world.desks, (13, 30), (18,)) == 1
    assert cost(world.office, (9,), (18,)) == 4
    assert cost(world.room, (14,), (15, 30)) == 2
    assert tickets_needed(book, usage_of(world.site.resources.create(
        network=n, kind="phone_booth", name="Cabine", booking_unit="hour"),
        local(TUESDAY, 9), local(TUESDAY, 10))) is None


def test_promo_code_and_group_prices(world):
    n = world.network
    student = PriceGroup.objects.create(network=n, kind="student", name="Étudiants")
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="half_day", price=10)
    UnitPrice.objects.create(network=n, resource_kind="open_space", unit="half_day", price=6,
                             price_group=student)
    plan = Plan.objects.create(network=n, name="Illimité", price=120,
                               allowance=Allowance.UNLIMITED)
    Discount.objects.create(network=n, name="Lancement", code="BIENVENUE", percent_off=25,
                            valid_until=dt.date(2026, 12, 31))
    morning = usage_of(world.desks, local(TUESDAY, 9), local(TUESDAY, 12))
    assert payg_amount(n, morning, price_group=student) == D("6.00")
    assert payg_amount(n, morning) == D("10.00")
    assert plan_charge(plan, on=TUESDAY, code="bienvenue") == D("90.00")
    assert plan_charge(plan, on=TUESDAY, code="AUTRE") == D("120.00")
    assert plan_charge(plan, on=dt.date(2027, 1, 1), code="BIENVENUE") == D("120.00")
    with pytest.raises(PricingError):  # another network's prices are not this one's
        payg_amount(f.make_network(), morning)
