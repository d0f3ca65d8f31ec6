"""The allowance of a period that starts or ends mid-period: floor(days × active days / days
in the period), paused days not active; and validity ends of books and passes."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.allowance import Span, allowance_in_period, period_bounds, prorated, validity_end
from billing.models import Allowance, Plan
from tests.billing import holdings_factories as hf
from tests.billing import holdings_world
from tests.billing.holdings_world import book, paid

d = dt.date
cat = holdings_world.cat  # fixture


def plan(kind, days=None):
    return Plan(name="x", price=D("1"), allowance=kind, allowance_days=days)


EIGHT_A_MONTH = plan(Allowance.DAYS_PER_MONTH, 8)
TWO_A_WEEK = plan(Allowance.DAYS_PER_WEEK, 2)


def allowed(p, span, day):
    return allowance_in_period(p, span, day)[0]


# --- pure rule ------------------------------------------------------------------------

def test_a_full_period_holds_the_whole_allowance():
    assert allowed(EIGHT_A_MONTH, Span(d(2026, 1, 1), None), d(2026, 11, 24)) == 8
    assert allowed(TWO_A_WEEK, Span(d(2026, 1, 1), None), d(2026, 11, 24)) == 2
    assert prorated(8, 30, 30) == 8


def test_a_start_mid_month_is_prorated_and_rounded_down():
    # 16 to 30 November: 15 of 30 days -> 8 × 15 / 30 = 4
    assert allowed(EIGHT_A_MONTH, Span(d(2026, 11, 16), None), d(2026, 11, 20)) == 4
    # 17 November: 14 days -> 3.73 -> 3
    assert allowed(EIGHT_A_MONTH, Span(d(2026, 11, 17), None), d(2026, 11, 20)) == 3
    # The last day of the month alone: 8 / 30 -> 0
    assert allowed(EIGHT_A_MONTH, Span(d(2026, 11, 30), None), d(2026, 11, 30)) == 0
    # The next month is whole again.
    assert allowed(EIGHT_A_MONTH, Span(d(2026, 11, 30), None), d(2026, 12, 1)) == 8


def test_an_end_mid_month_is_prorated():
    # Ends on 30 December: 30 of 31 days -> 8 × 30 / 31 = 7.74 -> 7
    span = Span(d(2026, 1, 1), d(2026, 12, 30))
    assert allowed(EIGHT_A_MONTH, span, d(2026, 12, 15)) == 7
    assert not span.is_active(d(2026, 12, 31)) and span.is_active(d(2026, 12, 30))


def test_february_divides_by_its_own_length():
    # 15 to 28 February 2027: 14 of 28 days -> 4; in leap 2028, 15 to 29: 15 of 29 -> 4.13 -> 4
    assert allowed(EIGHT_A_MONTH, Span(d(2027, 2, 15), None), d(2027, 2, 20)) == 4
    assert allowed(EIGHT_A_MONTH, Span(d(2028, 2, 15), None), d(2028, 2, 20)) == 4
    assert allowed(EIGHT_A_MONTH, Span(d(2028, 2, 14), None), d(2028, 2, 20)) == 4  # 16/29


def test_paused_days_are_not_active():
    # Paused 9 to 22 November (14 days): 16 active days of 30 -> 4.27 -> 4
    span = Span(d(2026, 1, 1), None, ((d(2026, 11, 9), d(2026, 11, 22)),))
    assert span.active_days(d(2026, 11, 1), d(2026, 11, 30)) == 16
    assert allowed(EIGHT_A_MONTH, span, d(2026, 11, 5)) == 4
    assert not span.is_active(d(2026, 11, 9)) and span.is_paused(d(2026, 11, 22))
    # Overlapping pauses count each day once.
    twice = Span(d(2026, 1, 1), None, ((d(2026, 11, 9), d(2026, 11, 15)),
                                       (d(2026, 11, 12), d(2026, 11, 22))))
    assert twice.active_days(d(2026, 11, 1), d(2026, 11, 30)) == 16


def test_weeks_run_monday_to_sunday():
    assert period_bounds(Allowance.DAYS_PER_WEEK, d(2026, 11, 26)) == (d(2026, 11, 23),
                                                                      d(2026, 11, 29))
    # From Thursday: 4 of 7 days -> 2 × 4 / 7 = 1.14 -> 1; from Saturday: 2 / 7 -> 0
    assert allowed(TWO_A_WEEK, Span(d(2026, 11, 26), None), d(2026, 11, 27)) == 1
    assert allowed(TWO_A_WEEK, Span(d(2026, 11, 28), None), d(2026, 11, 28)) == 0
    # A week across two months is one period.
    assert period_bounds(Allowance.DAYS_PER_WEEK, d(2026, 12, 1)) == (d(2026, 11, 30),
                                                                     d(2026, 12, 6))


def test_a_change_of_plan_mid_month_splits_the_month():
    # Old plan 1-14 November (14/30 -> 3), new plan from the 15th (16/30 -> 4): 7, not 8
    old, new = Span(d(2026, 11, 1), d(2026, 11, 14)), Span(d(2026, 11, 15), None)
    assert allowed(EIGHT_A_MONTH, old, d(2026, 11, 3)) + allowed(
        EIGHT_A_MONTH, new, d(2026, 11, 20)) == 7


def test_unlimited_has_no_count():
    assert allowed(plan(Allowance.UNLIMITED), Span(d(2026, 11, 16), None), d(2026, 11, 20)) is None


@pytest.mark.parametrize(("start", "months", "end"), [
    (d(2026, 11, 23), 6, d(2027, 5, 22)),
    (d(2026, 1, 15), 6, d(2026, 7, 14)),
    (d(2026, 8, 31), 6, d(2027, 2, 28)),   # no 31 February: to the end of February
    (d(2027, 8, 31), 6, d(2028, 2, 29)),   # leap year
    (d(2026, 3, 1), 1, d(2026, 3, 31)),
    (d(2026, 1, 31), 1, d(2026, 2, 28)),
    (d(2026, 12, 1), 12, d(2027, 11, 30)),
])
def test_validity_end(start, months, end):
    assert validity_end(start, months) == end


# --- through bookings -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_subscription_starting_mid_month_pays_its_prorated_days(world, cat):
    """8 days a month from Monday 16 November: 4 days; the fifth is paid as you go."""
    hf.subscribe(world.member, cat.eight_days_a_month, d(2026, 11, 16), home_site=world.site)
    days = [d(2026, 11, n) for n in (23, 24, 25, 26, 27)]
    sources = [paid(book(world.member, world.desks, day))[0][1] for day in days]
    assert sources == ["subscription"] * 4 + ["overage"]


@pytest.mark.django_db
def test_a_subscription_ending_mid_month_pays_its_prorated_days(world, cat):
    """8 days a month ending on 14 December: 14/31 -> 3 days."""
    hf.subscribe(world.member, cat.eight_days_a_month, d(2026, 11, 1), ends_on=d(2026, 12, 14),
                 home_site=world.site)
    days = [d(2026, 12, n) for n in (1, 2, 3, 4)]
    sources = [paid(book(world.member, world.desks, day))[0][1] for day in days]
    assert sources == ["subscription"] * 3 + ["overage"]
    assert paid(book(world.member, world.desks, d(2026, 12, 15))) == [
        (d(2026, 12, 15), "payg", 0, D("20.00"))]
