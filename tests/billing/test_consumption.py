"""What pays for a booking, in the documented order: pass, subscription allowance, tickets
(expiring first), pay-as-you-go (overage beyond a subscription; the price-group price)."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Consumption, TicketWallet
from billing.services import consumption
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from bookings.services import book_resource, cancel_booking, decide_booking, set_booking_status
from members.models import Member
from places.models import Resource
from tests import factories as f
from tests.billing import holdings_factories as hf
from tests.billing import holdings_world
from tests.billing.holdings_world import a_pass, a_wallet, book, paid, villard_desks
from tests.conftest import NOW, PARIS, local

TUE, WED, THU, FRI = (dt.date(2026, 11, d) for d in (24, 25, 26, 27))
NEXT_TUE = dt.date(2026, 12, 1)
P, SUB, TK, PAYG, OVER = "pass", "subscription", "tickets", "payg", "overage"
cat = holdings_world.cat  # fixture


def tickets_left(wallet) -> int:
    used = sum(Consumption.objects.filter(wallet=wallet, reversed_at__isnull=True)
               .values_list("tickets", flat=True))
    return TicketWallet.objects.get(pk=wallet.pk).tickets - used


# --- no catalogue ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_network_without_catalogue_consumes_nothing_for_one_query(world, settings):
    def count(day):
        with CaptureQueriesContext(connection) as queries:
            booking = book(world.member, world.desks, day)
        return booking, len(queries)

    booking, with_billing = count(TUE)
    assert paid(booking) == []
    settings.BOOKING_CONSUMPTION = ""
    _booking, without = count(WED)
    assert with_billing == without + 1  # the member's row, locked, tells there is nothing
    assert Consumption.objects.count() == 0


@pytest.mark.django_db
def test_guest_bookings_consume_nothing(world, cat):
    resource = Resource.objects.select_related("site", "network").get(pk=world.desks.pk)
    booking = book_resource(None, resource, start=local(TUE, 9), end=local(TUE, 13),
                            actor=world.concierge.user, now=NOW, by_staff=True,
                            guest_name="Passant", guest_email="passant@example.org",
                            notify=False)
    assert paid(booking) == []


# --- 4. pay as you go -----------------------------------------------------------------

@pytest.mark.django_db
def test_pay_as_you_go_at_murat_prices(world, cat):
    morning = book(world.member, world.desks, TUE, "am")
    whole_day = book(world.member, world.desks, WED, "day")
    room = book(world.member, world.room, THU, (14, 16))
    assert paid(morning) == [(TUE, PAYG, 0, D("10.00"))]
    assert paid(whole_day) == [(WED, PAYG, 0, D("20.00"))]
    assert paid(room) == [(THU, PAYG, 0, D("30.00"))]
    row = Consumption.objects.get(booking=room)
    assert (row.hours, row.half_days, row.vat_rate, row.site, row.member) == (
        2, 1, D("20.00"), world.site, world.member)
    assert row.payer_organisation is None


@pytest.mark.django_db
def test_the_price_group_price_is_used(world, cat):
    hf.in_group(world.member, cat.student, valid_from=TUE, valid_until=TUE)
    assert paid(book(world.member, world.desks, TUE, "am")) == [(TUE, PAYG, 0, D("6.00"))]
    # The group's validity ended: the public price again.
    assert paid(book(world.member, world.desks, WED, "am")) == [(WED, PAYG, 0, D("10.00"))]


@pytest.mark.django_db
def test_several_seats_pay_each_seat(world, cat):
    assert paid(book(world.member, world.desks, TUE, "am", seats=3)) == [
        (TUE, PAYG, 0, D("30.00"))]


@pytest.mark.django_db
def test_an_employer_paying_bookings_is_the_payer(world, cat):
    org = f.make_organisation(world.network)
    world.member.organisation = org
    world.member.save()
    account = hf.employer(org, pays_bookings=True)
    row = Consumption.objects.get(booking=book(world.member, world.desks, TUE, "am"))
    assert row.payer_organisation == org
    account.pays_bookings = False
    account.save()
    row = Consumption.objects.get(booking=book(world.member, world.desks, WED, "am"))
    assert row.payer_organisation is None


@pytest.mark.django_db
def test_a_kind_without_price_nor_tickets_consumes_nothing(world, cat):
    booth = Resource.objects.create(network=world.network, site=world.site, kind="phone_booth",
                                    name="Cabine", booking_unit="hour")
    assert paid(book(world.member, booth, TUE, (10, 11))) == []


# --- 1. passes ------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_week_pass_pays_first_for_the_kinds_it_covers(world, cat):
    hf.subscribe(world.member, cat.two_days_a_week, TUE, home_site=world.site)
    week = a_pass(world.member, cat.week_pass, TUE)
    desk = book(world.member, world.desks, TUE)
    assert paid(desk) == [(TUE, P, 0, D("0.00"))]
    assert Consumption.objects.get(booking=desk).pass_purchase == week
    # The week pass covers the open space only: the office is paid as you go.
    assert paid(book(world.member, world.office, WED, "am")) == [(WED, PAYG, 0, D("25.00"))]


@pytest.mark.django_db
def test_a_day_pass_covers_its_day_only(world, cat):
    a_pass(world.member, cat.day_pass, TUE)
    assert paid(book(world.member, world.desks, TUE, "am")) == [(TUE, P, 0, D("0.00"))]
    assert paid(book(world.member, world.office, TUE, "pm")) == [(TUE, P, 0, D("0.00"))]
    assert paid(book(world.member, world.desks, WED, "am")) == [(WED, PAYG, 0, D("10.00"))]


@pytest.mark.django_db
def test_a_half_day_pass_covers_one_half_day(world, cat):
    a_pass(world.member, cat.half_day_pass, TUE)
    assert paid(book(world.member, world.desks, TUE, "day")) == [(TUE, PAYG, 0, D("20.00"))]
    other = f.make_member(world.network)
    a_pass(other, cat.half_day_pass, TUE)
    assert paid(book(other, world.desks, TUE, "am")) == [(TUE, P, 0, D("0.00"))]
    assert paid(book(other, world.desks, TUE, "pm")) == [(TUE, PAYG, 0, D("10.00"))]


@pytest.mark.django_db
def test_a_pass_for_one_site_does_not_cover_another(world, cat):
    a_pass(world.member, cat.day_pass, TUE, site=world.other_site)
    assert paid(book(world.member, world.desks, TUE, "am")) == [(TUE, PAYG, 0, D("10.00"))]
    assert paid(book(world.member, villard_desks(world), TUE, "pm")) == [
        (TUE, P, 0, D("0.00"))]


# --- 2. subscription allowance --------------------------------------------------------

@pytest.mark.django_db
def test_two_days_a_week_then_overage(world, cat):
    sub = hf.subscribe(world.member, cat.two_days_a_week, dt.date(2026, 11, 1),
                       home_site=world.site)
    tue = book(world.member, world.desks, TUE, "am")
    tue_pm = book(world.member, world.desks, TUE, "pm")  # the same day counts once
    wed = book(world.member, world.desks, WED)
    thu = book(world.member, world.desks, THU)
    assert [paid(b) for b in (tue, tue_pm, wed)] == [
        [(TUE, SUB, 0, D("0.00"))], [(TUE, SUB, 0, D("0.00"))], [(WED, SUB, 0, D("0.00"))]]
    assert Consumption.objects.get(booking=tue).subscription == sub
    assert paid(thu) == [(THU, OVER, 0, D("15.00"))]  # the overage day price
    # A new week, a new allowance.
    assert paid(book(world.member, world.desks, NEXT_TUE)) == [(NEXT_TUE, SUB, 0, D("0.00"))]


@pytest.mark.django_db
def test_kinds_and_sites_the_plan_does_not_cover_pay_the_plain_price(world, cat):
    hf.subscribe(world.member, cat.two_days_a_week, dt.date(2026, 11, 1), home_site=world.site)
    # Not the home site (home-site plan): plain pay-as-you-go, not overage.
    assert paid(book(world.member, villard_desks(world), TUE, "am")) == [
        (TUE, PAYG, 0, D("10.00"))]
    # Not a covered kind (open space only).
    assert paid(book(world.member, world.office, WED, "am")) == [(WED, PAYG, 0, D("25.00"))]


@pytest.mark.django_db
def test_a_subscription_ending_on_the_30th_does_not_pay_for_the_31st(world, cat):
    hf.subscribe(world.member, cat.eight_days_a_month, dt.date(2026, 12, 1),
                 ends_on=dt.date(2026, 12, 30), home_site=world.site)
    on_30 = book(world.member, world.desks, dt.date(2026, 12, 30))
    on_31 = book(world.member, world.desks, dt.date(2026, 12, 31))
    assert paid(on_30) == [(dt.date(2026, 12, 30), SUB, 0, D("0.00"))]
    assert paid(on_31) == [(dt.date(2026, 12, 31), PAYG, 0, D("20.00"))]


@pytest.mark.django_db
def test_paused_days_give_nothing(world, cat):
    sub = hf.subscribe(world.member, cat.eight_days_a_month, dt.date(2026, 11, 1),
                       home_site=world.site)
    hf.pause(sub, WED, THU)
    assert paid(book(world.member, world.desks, TUE)) == [(TUE, SUB, 0, D("0.00"))]
    assert paid(book(world.member, world.desks, WED)) == [(WED, PAYG, 0, D("20.00"))]
    assert paid(book(world.member, world.desks, FRI)) == [(FRI, SUB, 0, D("0.00"))]


@pytest.mark.django_db
def test_the_away_cap_limits_days_away_from_home(world, cat):
    hf.subscribe(world.member, cat.unlimited, dt.date(2026, 11, 1), home_site=world.site)
    villard = villard_desks(world)
    away = [book(world.member, villard, day) for day in (TUE, WED, THU)]
    assert [paid(b)[0][1] for b in away] == [SUB, SUB, OVER]
    assert paid(away[2]) == [(THU, OVER, 0, D("15.00"))]
    # At home the plan is unlimited.
    assert paid(book(world.member, world.desks, FRI)) == [(FRI, SUB, 0, D("0.00"))]
    # Next month, the cap starts again.
    assert paid(book(world.member, villard, NEXT_TUE)) == [(NEXT_TUE, SUB, 0, D("0.00"))]


@pytest.mark.django_db
def test_a_team_subscription_covers_up_to_its_headcount(world, cat):
    hf.subscribe(world.member, cat.eight_days_a_month, dt.date(2026, 11, 1),
                 home_site=world.site, headcount=2)
    assert paid(book(world.member, world.desks, TUE, "am", seats=3)) == [
        (TUE, SUB, 0, D("0.00")), (TUE, PAYG, 0, D("10.00"))]


# --- 3. tickets -----------------------------------------------------------------------

@pytest.mark.django_db
def test_tickets_from_the_wallet_expiring_first_and_across_wallets(world, cat):
    later = a_wallet(world.member, cat.book, dt.date(2026, 11, 20))
    sooner = a_wallet(world.member, cat.book, dt.date(2026, 6, 1),
                      valid_until=dt.date(2026, 11, 30))
    room_day = book(world.member, world.room, TUE, (9, 18))  # 9 hours: 9 tickets
    assert [(r.wallet, r.tickets) for r in Consumption.objects.filter(booking=room_day)] == [
        (sooner, 9)]
    office_day = book(world.member, world.office, WED)  # 2 tickets per half-day: 4
    rows = list(Consumption.objects.filter(booking=office_day).order_by("pk"))
    assert [(r.wallet, r.tickets) for r in rows] == [(sooner, 1), (later, 3)]
    assert (tickets_left(sooner), tickets_left(later)) == (0, 7)


@pytest.mark.django_db
def test_an_expired_wallet_pays_nothing(world, cat):
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 5, 25),
                       valid_until=dt.date(2026, 11, 24))
    assert paid(book(world.member, world.desks, TUE, "am")) == [(TUE, TK, 1, D("0.00"))]
    assert paid(book(world.member, world.desks, WED, "am")) == [(WED, PAYG, 0, D("10.00"))]
    assert tickets_left(wallet) == 9


@pytest.mark.django_db
def test_not_enough_tickets_pays_as_you_go_and_keeps_the_tickets(world, cat):
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20), tickets=3)
    assert paid(book(world.member, world.office, TUE)) == [(TUE, PAYG, 0, D("50.00"))]
    assert tickets_left(wallet) == 3


@pytest.mark.django_db
def test_a_network_selling_only_tickets_refuses_a_booking_without_enough(world, cat):
    from billing.models import UnitPrice

    UnitPrice.objects.filter(resource_kind="private_office").delete()
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20), tickets=3)
    with pytest.raises(BookingError) as err:
        book(world.member, world.office, TUE)
    assert err.value.code == "tickets"
    assert err.value.message == ("Pas assez de tickets : cette réservation en demande 4, il en "
                                 "reste 3 valables le 24 novembre 2026.")
    assert not Booking.objects.filter(resource=world.office).exists()
    assert tickets_left(wallet) == 3
    other = f.make_member(world.network)
    with pytest.raises(BookingError) as err:
        book(other, world.office, TUE)
    assert err.value.message == ("Bureau fermé se paie en tickets et aucun carnet valable le "
                                 "24 novembre 2026 ne le couvre : achetez un carnet auprès de "
                                 "l'accueil.")


# --- order ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_order_pass_subscription_tickets_pay_as_you_go(world, cat):
    hf.subscribe(world.member, cat.one_day_network, dt.date(2026, 11, 1), home_site=world.site)
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20), tickets=2)
    a_pass(world.member, cat.day_pass, TUE)
    sources = [paid(book(world.member, world.desks, day))[0][1] for day in (TUE, WED, THU, FRI)]
    # Tuesday: the pass; Wednesday: the week's allowance day; Thursday: 2 tickets (morning +
    # afternoon); Friday: no ticket left, allowance used: overage.
    assert sources == [P, SUB, TK, OVER]
    assert tickets_left(wallet) == 0


# --- giving back ----------------------------------------------------------------------

@pytest.mark.django_db
def test_cancelling_gives_back_tickets_allowance_and_charge(world, cat):
    hf.subscribe(world.member, cat.two_days_a_week, dt.date(2026, 11, 1), home_site=world.site)
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20))
    tue, wed = book(world.member, world.desks, TUE), book(world.member, world.desks, WED)
    room = book(world.member, world.room, THU, (10, 12))  # not covered by the plan: tickets
    charged = book(world.member, world.office, FRI, "am")  # tickets: 2
    assert tickets_left(wallet) == 6
    later = NOW + dt.timedelta(hours=1)
    for b in (wed, room):
        cancel_booking(b, actor=world.member.user, now=later, notify=False)
    assert paid(wed, live=False) == [(WED, SUB, 0, D("0.00"))]
    assert Consumption.objects.filter(booking=wed).get().reversed_at == later
    assert tickets_left(wallet) == 8
    # The allowance day given back pays for another day of the week.
    assert paid(book(world.member, world.desks, THU)) == [(THU, SUB, 0, D("0.00"))]
    assert paid(tue) == [(TUE, SUB, 0, D("0.00"))] and paid(charged)[0][1] == TK


@pytest.mark.django_db
def test_cancelling_a_pay_as_you_go_booking_cancels_its_charge(world, cat):
    booking = book(world.member, world.desks, TUE, "am")
    cancel_booking(booking, actor=world.concierge.user, by_staff=True, now=NOW, notify=False)
    assert paid(booking) == []
    assert paid(booking, live=False) == [(TUE, PAYG, 0, D("10.00"))]


@pytest.mark.django_db
def test_too_late_to_cancel_keeps_what_was_consumed(world, cat):
    booking = book(world.member, world.desks, TUE, "am")
    with pytest.raises(BookingError):
        cancel_booking(booking, actor=world.member.user, now=local(TUE, 8), notify=False)
    assert paid(booking) == [(TUE, PAYG, 0, D("10.00"))]


@pytest.mark.django_db
def test_a_pending_booking_consumes_and_its_refusal_gives_back(world, cat):
    world.room.requires_approval = True
    world.room.save()
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20))
    pending = book(world.member, world.room, TUE, (10, 12))
    assert pending.status == BookingStatus.PENDING
    assert paid(pending) == [(TUE, TK, 2, D("0.00"))]
    decide_booking(pending, approve=False, actor=world.concierge.user, now=NOW)
    assert paid(pending) == [] and tickets_left(wallet) == 10
    approved = book(world.member, world.room, WED, (10, 11))
    decide_booking(approved, approve=True, actor=world.concierge.user, now=NOW)
    assert paid(approved) == [(WED, TK, 1, D("0.00"))]


@pytest.mark.django_db
def test_a_no_show_keeps_what_it_consumed(world, cat):
    booking = book(world.member, world.desks, TUE, "am")
    set_booking_status(booking, BookingStatus.NO_SHOW, actor=None, now=local(TUE, 11))
    assert paid(booking) == [(TUE, PAYG, 0, D("10.00"))]


# --- local days -----------------------------------------------------------------------

@pytest.mark.django_db
def test_days_are_local_and_hours_real_across_the_dst_change(world, cat):
    """28 March 2027: clocks jump from 02:00 to 03:00 in Paris. A booking from 00:30 to 03:30
    local time lasts 2 real hours and belongs to the 28th, although it starts on the 27th in
    UTC."""
    night = f.make_site(world.network, "nuit", "Lieu de nuit", weekdays=range(7),
                        opens=dt.time(0), closes=dt.time(23, 30))
    room = f.make_resource(night, "meeting_room", name="Salle de nuit")
    day = dt.date(2027, 3, 28)
    resource = Resource.objects.select_related("site", "network").get(pk=room.pk)
    start = dt.datetime(2027, 3, 28, 0, 30, tzinfo=PARIS)
    end = dt.datetime(2027, 3, 28, 3, 30, tzinfo=PARIS)
    assert start.astimezone(dt.UTC).date() == dt.date(2027, 3, 27)
    booking = book_resource(world.member, resource, start=start, end=end, actor=None,
                            now=dt.datetime(2027, 3, 1, tzinfo=PARIS), notify=False)
    row = Consumption.objects.get(booking=booking)
    assert (row.day, row.hours, row.amount) == (day, 2, D("30.00"))


# --- concurrency (real connections) ---------------------------------------------------

def _two_clients(world, resources, day_slots):
    from tests.bookings.test_concurrency import race

    member_pk = world.member.pk

    def client(i):
        member = Member.objects.select_related("user").get(pk=member_pk)
        resource = Resource.objects.select_related("site", "network").get(pk=resources[i])
        day, (start, end) = day_slots[i]
        return book_resource(member, resource, start=local(day, start), end=local(day, end),
                             actor=member.user, now=NOW, notify=False)

    return race(len(resources), client)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_bookings_at_once_cannot_both_take_the_last_ticket(world, cat):
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20), tickets=1)
    results = _two_clients(world, [world.desks.pk, world.room.pk],
                           [(TUE, (9, 13)), (TUE, (14, 15))])
    assert all(isinstance(r, Booking) for r in results), results
    sources = sorted(Consumption.objects.filter(member=world.member).values_list("source",
                                                                                   flat=True))
    assert sources == [PAYG, TK]
    assert tickets_left(wallet) == 0


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_bookings_at_once_cannot_both_take_the_last_allowance_day(world, cat):
    hf.subscribe(world.member, cat.one_day_network, dt.date(2026, 11, 1), home_site=world.site)
    results = _two_clients(world, [world.desks.pk, villard_desks(world).pk],
                           [(TUE, (9, 18)), (WED, (9, 18))])
    assert all(isinstance(r, Booking) for r in results), results
    sources = sorted(Consumption.objects.filter(member=world.member).values_list("source",
                                                                                   flat=True))
    assert sources == [OVER, SUB]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_control_without_the_member_lock_both_take_the_last_ticket(world, cat, monkeypatch):
    """The race the lock prevents (PostgreSQL only: SQLite's IMMEDIATE transactions serialise
    the two bookings before they read)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no race to show")
    wallet = a_wallet(world.member, cat.book, dt.date(2026, 11, 20), tickets=1)
    both_read = threading.Barrier(2)
    original_wallets = consumption._Payer.wallets

    def wallets_then_wait(self, day):
        found = original_wallets(self, day)
        both_read.wait(timeout=30)
        return found

    monkeypatch.setattr(consumption, "lock_member", consumption.member_holdings)  # no lock
    monkeypatch.setattr(consumption._Payer, "wallets", wallets_then_wait)
    results = _two_clients(world, [world.desks.pk, world.room.pk],
                           [(TUE, (9, 13)), (TUE, (14, 15))])
    assert all(isinstance(r, Booking) for r in results), results
    assert Consumption.objects.filter(wallet=wallet).count() == 2
    assert tickets_left(wallet) == -1  # one ticket spent twice
