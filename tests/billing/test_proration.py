"""The proration rule at period edges, with exact amounts (billing/proration.py)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.models import Discount, PlanPriceTier, PriceGroup, TierBasis
from billing.proration import add_months, subscription_charges
from tests.billing.holdings_factories import in_group, make_plan, pause, subscribe

pytestmark = pytest.mark.django_db
d = dt.date


def amounts(sub, through):
    sub.refresh_from_db()
    return [(c.start, c.end, c.billable_days, c.period_days, c.amount)
            for c in subscription_charges(sub, through=through)]


def test_full_month_costs_the_plan_price(world):
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 1))
    assert amounts(sub, d(2026, 1, 31)) == [(d(2026, 1, 1), d(2026, 1, 31), 31, 31,
                                             D("100.00"))]


def test_start_on_the_15th(world):
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 15))
    # 17 days of 31: 100 × 17 / 31 = 54.8387… -> 54.84
    assert amounts(sub, d(2026, 1, 31)) == [(d(2026, 1, 15), d(2026, 1, 31), 17, 31,
                                             D("54.84"))]
    charge = subscription_charges(sub, through=d(2026, 1, 31))[0]
    assert charge.label == "Mensuel 2 jours — du 15/01/2026 au 31/01/2026 (17 j facturés sur 31)"


def test_end_on_the_30th_of_a_31_day_month(world):
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 1), d(2026, 3, 30),
                    invoiced_through=d(2026, 2, 28))
    # 30 / 31 of 100 = 96.774… -> 96.77; nothing after the end.
    assert amounts(sub, d(2026, 3, 31)) == [(d(2026, 3, 1), d(2026, 3, 30), 30, 31, D("96.77"))]
    sub.invoiced_through = d(2026, 3, 30)
    sub.save()
    assert amounts(sub, d(2026, 4, 30)) == []


def test_pause_across_month_end(world):
    sub = subscribe(world.member, make_plan(world.network, price="90.00"), d(2026, 1, 1),
                    invoiced_through=d(2025, 12, 31))
    pause(sub, d(2026, 1, 20), d(2026, 2, 10))
    # January: 31 − 12 paused = 19 days: 90 × 19 / 31 = 55.161… -> 55.16
    # February (28 days): 28 − 10 paused = 18 days: 90 × 18 / 28 = 57.857… -> 57.86
    assert amounts(sub, d(2026, 2, 28)) == [
        (d(2026, 1, 1), d(2026, 1, 31), 19, 31, D("55.16")),
        (d(2026, 2, 1), d(2026, 2, 28), 18, 28, D("57.86"))]
    label = subscription_charges(sub, through=d(2026, 1, 31))[0].label
    assert label.endswith("(19 j facturés sur 31) dont 12 j suspendus")


def test_month_entirely_paused_costs_nothing(world):
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 1),
                    invoiced_through=d(2026, 1, 31))
    pause(sub, d(2026, 1, 25), d(2026, 3, 5))
    assert amounts(sub, d(2026, 2, 28)) == [(d(2026, 2, 1), d(2026, 2, 28), 0, 28, D("0.00"))]


def test_change_of_plan_mid_month(world):
    """Old plan until the day before, new plan from that day: 14 + 16 = 30 days of 30."""
    small = make_plan(world.network, "Petit", "100.00")
    big = make_plan(world.network, "Grand", "200.00")
    old = subscribe(world.member, small, d(2026, 1, 1), d(2026, 4, 14),
                    invoiced_through=d(2026, 3, 31))
    new = subscribe(world.member, big, d(2026, 4, 15), previous=old)
    # 100 × 14 / 30 = 46.666… -> 46.67 ; 200 × 16 / 30 = 106.666… -> 106.67
    assert amounts(old, d(2026, 4, 30)) == [(d(2026, 4, 1), d(2026, 4, 14), 14, 30, D("46.67"))]
    assert amounts(new, d(2026, 4, 30)) == [(d(2026, 4, 15), d(2026, 4, 30), 16, 30,
                                             D("106.67"))]


def test_february_and_leap_year(world):
    plan = make_plan(world.network, price="100.00")
    feb_2026 = subscribe(world.member, plan, d(2026, 2, 15))
    # 14 days of 28: exactly half.
    assert amounts(feb_2026, d(2026, 2, 28)) == [(d(2026, 2, 15), d(2026, 2, 28), 14, 28,
                                                  D("50.00"))]
    feb_2028 = subscribe(world.member, plan, d(2028, 2, 15))
    # 2028 is a leap year: 15 days of 29 = 51.724… -> 51.72
    assert amounts(feb_2028, d(2028, 2, 29)) == [(d(2028, 2, 15), d(2028, 2, 29), 15, 29,
                                                  D("51.72"))]


def test_yearly_plan_started_mid_year_is_charged_for_its_year_once(world):
    plan = make_plan(world.network, "Annuel", "1000.00", period="year")
    sub = subscribe(world.member, plan, d(2026, 6, 15))
    assert amounts(sub, d(2026, 6, 30)) == [(d(2026, 6, 15), d(2027, 6, 14), 365, 365,
                                             D("1000.00"))]
    sub.invoiced_through = d(2027, 6, 14)
    sub.save()
    assert amounts(sub, d(2026, 7, 31)) == []
    assert amounts(sub, d(2027, 5, 31)) == []
    # The second year (15 June 2027 – 14 June 2028, with 29 February: 366 days) in June 2027.
    assert amounts(sub, d(2027, 6, 30)) == [(d(2027, 6, 15), d(2028, 6, 14), 366, 366,
                                             D("1000.00"))]


def test_yearly_plan_with_a_known_end_is_prorated_on_its_year(world):
    plan = make_plan(world.network, "Annuel", "1000.00", period="year")
    sub = subscribe(world.member, plan, d(2026, 6, 15), d(2026, 12, 31))
    # 15 June – 31 December 2026 = 200 days of 365: 547.945… -> 547.95
    assert amounts(sub, d(2026, 6, 30)) == [(d(2026, 6, 15), d(2026, 12, 31), 200, 365,
                                             D("547.95"))]


def test_commitment_tiers(world):
    plan = make_plan(world.network, price="120.00")
    PlanPriceTier.objects.create(network=world.network, plan=plan, basis=TierBasis.COMMITMENT,
                                 minimum=6, price=D("110.00"))
    PlanPriceTier.objects.create(network=world.network, plan=plan, basis=TierBasis.COMMITMENT,
                                 minimum=12, price=D("95.00"))
    six = subscribe(world.member, plan, d(2026, 3, 10), commitment_months=6)
    year = subscribe(world.member, plan, d(2026, 3, 10), commitment_months=12)
    # 22 days of 31: 110 × 22 / 31 = 78.064… -> 78.06 ; 95 × 22 / 31 = 67.419… -> 67.42
    assert amounts(six, d(2026, 3, 31))[0][-1] == D("78.06")
    assert amounts(year, d(2026, 3, 31))[0][-1] == D("67.42")


def test_headcount_tiers(world):
    plan = make_plan(world.network, "Équipe", price="100.00")
    PlanPriceTier.objects.create(network=world.network, plan=plan, basis=TierBasis.HEADCOUNT,
                                 minimum=3, price=D("80.00"))
    two = subscribe(world.member, plan, d(2026, 4, 1), headcount=2)
    three = subscribe(world.member, plan, d(2026, 4, 11), headcount=3)
    assert amounts(two, d(2026, 4, 30))[0][-1] == D("200.00")
    # 3 × 80 = 240 for 20 days of 30 = 160.00
    assert amounts(three, d(2026, 4, 30))[0][-1] == D("160.00")


def test_free_months_after_the_telework_training_end_mid_month(world):
    """Murat: free for the trained newcomers; with 2 free months from 15 January, March is
    free until the 14th and paid from the 15th (17 days of 31)."""
    trained = PriceGroup.objects.create(network=world.network, kind="other",
                                        name="Formés au télétravail")
    Discount.objects.create(network=world.network, name="2 mois offerts", price_group=trained,
                            free_months=2)
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 15))
    in_group(world.member, trained)
    assert [c[-1] for c in amounts(sub, d(2026, 3, 31))] == [D("0.00"), D("0.00"), D("54.84")]
    assert [c[-1] for c in amounts(subscribe(world.member, make_plan(world.network, "Autre"),
                                             d(2026, 4, 1)), d(2026, 4, 30))] == [D("0.00")]


def test_group_membership_outside_its_dates_gives_no_discount(world):
    students = PriceGroup.objects.create(network=world.network, kind="student", name="Étudiants")
    Discount.objects.create(network=world.network, name="-50 %", price_group=students,
                            percent_off=D("50"))
    sub = subscribe(world.member, make_plan(world.network), d(2026, 5, 1))
    in_group(world.member, students, valid_from=d(2026, 5, 16))
    # 15 days at 100, 16 days at 50: (1500 + 800) / 31 = 74.193… -> 74.19
    assert amounts(sub, d(2026, 5, 31))[0][-1] == D("74.19")


def test_catch_up_of_months_never_invoiced_one_line_each(world):
    sub = subscribe(world.member, make_plan(world.network), d(2026, 1, 20))
    assert [(c[0], c[-1]) for c in amounts(sub, d(2026, 3, 31))] == [
        (d(2026, 1, 20), D("38.71")), (d(2026, 2, 1), D("100.00")),
        (d(2026, 3, 1), D("100.00"))]


def test_add_months_clamps_to_month_end():
    assert add_months(d(2026, 1, 31), 1) == d(2026, 2, 28)
    assert add_months(d(2028, 1, 31), 1) == d(2028, 2, 29)
    assert add_months(d(2026, 11, 15), 3) == d(2027, 2, 15)
