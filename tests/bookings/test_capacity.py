"""Availability computed from the booking rows: peak seats over a span and free seats."""

import datetime as dt

import pytest

from bookings import capacity
from bookings.models import Booking, BookingStatus
from bookings.services import cancel_booking
from places.models import ResourceBlock
from tests import factories as f
from tests.bookings.integrity import assert_refused, book
from tests.conftest import NOW, local

TUESDAY = dt.date(2026, 11, 24)
MORNING = (local(TUESDAY, 9), local(TUESDAY, 13))
AFTERNOON = (local(TUESDAY, 13), local(TUESDAY, 18))
DAY = (local(TUESDAY, 9), local(TUESDAY, 18))


def at(hour, minute=0):
    return local(TUESDAY, hour, minute)


# --- peak_seats, on plain spans -----------------------------------------------------------------

def test_adjacent_spans_do_not_add_up():
    spans = [(*MORNING, 3), (*AFTERNOON, 4)]
    assert capacity.peak_seats(spans, *DAY) == 4
    # Listed in the other order, and with a third span touching the afternoon's end.
    spans = [(*AFTERNOON, 4), (at(18), at(19), 5), (*MORNING, 3)]
    assert capacity.peak_seats(spans, at(8), at(20)) == 5


def test_a_day_booking_and_two_half_days():
    spans = [(*DAY, 2), (*MORNING, 3), (*AFTERNOON, 5)]
    assert capacity.peak_seats(spans, *DAY) == 7
    assert capacity.peak_seats(spans, *MORNING) == 5
    assert capacity.peak_seats(spans, *AFTERNOON) == 7


def test_peak_over_partly_overlapping_spans():
    spans = [(at(9), at(11), 1), (at(10), at(12), 2), (at(11), at(13), 4)]
    assert capacity.peak_seats(spans, *DAY) == 6  # 11:00-12:00: 2 + 4
    assert capacity.peak_seats(spans, at(9), at(11)) == 3  # 10:00-11:00: 1 + 2
    assert capacity.peak_seats(spans, at(9), at(10)) == 1


def test_spans_outside_the_window_count_for_nothing():
    assert capacity.peak_seats([], *DAY) == 0
    assert capacity.peak_seats([(*MORNING, 3)], *AFTERNOON) == 0
    assert capacity.peak_seats([(at(7), at(9), 6)], *DAY) == 0
    assert capacity.peak_seats([(at(7), at(10), 6)], *DAY) == 6
    assert capacity.peak_seats([(*MORNING, 3), (at(18), at(20), 5)], *AFTERNOON) == 0


# --- free_seats, from the booking rows ----------------------------------------------------------

@pytest.fixture
def day_and_two_half_days(world):
    """Open space (8 seats): a team of 2 for the day, 3 in the morning, 5 in the afternoon."""
    return [
        book(world, world.desks, *DAY, seats=2, member=f.make_member(world.network)),
        book(world, world.desks, *MORNING, seats=3, member=f.make_member(world.network)),
        book(world, world.desks, *AFTERNOON, seats=5, member=f.make_member(world.network)),
    ]


def test_free_seats_after_a_day_and_two_half_days(world, day_and_two_half_days):
    assert capacity.free_seats(world.desks, *MORNING) == 3
    assert capacity.free_seats(world.desks, *AFTERNOON) == 1
    assert capacity.free_seats(world.desks, *DAY) == 1
    assert capacity.is_free(world.desks, *MORNING, seats=3)
    assert not capacity.is_free(world.desks, *DAY, seats=2)


def test_service_refuses_what_free_seats_says_is_missing(world, day_and_two_half_days):
    assert_refused(lambda: book(world, world.desks, *DAY, seats=2),
                   "taken", "Il ne reste que 1 place(s) libre(s) dans Open space Autrans sur "
                            "ce créneau.")
    book(world, world.desks, *MORNING, seats=3)
    assert capacity.free_seats(world.desks, *MORNING) == 0
    assert capacity.free_seats(world.desks, *DAY) == 0


def test_only_occupying_statuses_count(world, day_and_two_half_days):
    day, morning, afternoon = day_and_two_half_days
    cancel_booking(afternoon, actor=world.concierge.user, now=NOW, by_staff=True)
    Booking.objects.filter(pk=day.pk).update(status=BookingStatus.NO_SHOW)
    assert capacity.free_seats(world.desks, *DAY) == 5
    Booking.objects.filter(pk=morning.pk).update(status=BookingStatus.CHECKED_IN)
    Booking.objects.filter(pk=day.pk).update(status=BookingStatus.PENDING)
    assert capacity.free_seats(world.desks, *DAY) == 3


def test_free_seats_of_an_exclusive_resource(world):
    assert capacity.free_seats(world.office, *MORNING) == 1
    book(world, world.office, *MORNING)
    assert capacity.free_seats(world.office, *MORNING) == 0
    assert capacity.free_seats(world.office, *DAY) == 0
    assert capacity.free_seats(world.office, *AFTERNOON) == 1


def test_a_block_leaves_no_free_seat_where_it_lies(world):
    book(world, world.desks, *AFTERNOON, seats=3)
    ResourceBlock.objects.create(network=world.network, resource=world.desks,
                                 start=at(11), end=at(13), reason="ménage")

    assert capacity.free_seats(world.desks, *MORNING) == 0
    assert capacity.free_seats(world.desks, *DAY) == 0
    assert capacity.free_seats(world.desks, at(10), at(11)) == 8  # ends where the block starts
    assert capacity.free_seats(world.desks, *AFTERNOON) == 5
    # Another resource of the site is not blocked.
    assert capacity.free_seats(world.office, *MORNING) == 1


def test_free_seats_can_leave_out_the_booking_being_changed(world, day_and_two_half_days):
    day = day_and_two_half_days[0]
    assert capacity.free_seats(world.desks, *DAY, exclude_pk=day.pk) == 3
