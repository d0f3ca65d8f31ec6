"""Cancelling: the member before the resource's deadline, staff until the booking ends.

Resources of the world may be cancelled until 2 hours before they start.
"""

import datetime as dt

import pytest
from django.core import mail

from bookings import capacity
from bookings.models import Booking, BookingStatus
from bookings.services import cancel_booking
from core.models import AuditLog
from tests import factories as f
from tests.bookings.integrity import assert_refused, book, utc
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)
MORNING = (local(TUESDAY, 9), local(TUESDAY, 13))


@pytest.fixture
def booking(world):
    return book(world, world.office, *MORNING, notify=False)


def test_member_cancels_until_the_deadline(world, booking, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 7))

    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_at == utc(2026, 11, 24, 6)
    assert cancelled.cancelled_by == world.member.user
    log = AuditLog.objects.get(action="booking.cancelled")
    assert (log.target_id, log.actor_id, log.data) == (
        str(booking.pk), world.member.user.pk, {"by_staff": False, "reason": ""})
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["membre@example.org"], "Réservation annulée – Autrans")]


def test_member_cannot_cancel_after_the_deadline(world, booking):
    assert_refused(lambda: cancel_booking(booking, actor=world.member.user,
                                          now=local(TUESDAY, 7, 1)),
                   "too_late_to_cancel",
                   "Trop tard pour annuler : l'annulation était possible jusqu'au 24 novembre "
                   "2026 à 07:00 (2 h avant le début). Contactez l'accueil du lieu.")
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at) == (BookingStatus.CONFIRMED, None)


def test_deadline_is_per_resource(world):
    world.desks.cancellation_deadline_minutes = 24 * 60
    world.desks.save()
    desk = book(world, world.desks, *MORNING)
    assert_refused(lambda: cancel_booking(desk, actor=world.member.user,
                                          now=local(dt.date(2026, 11, 23), 9, 30)),
                   "too_late_to_cancel",
                   "Trop tard pour annuler : l'annulation était possible jusqu'au 23 novembre "
                   "2026 à 09:00 (1 jour avant le début). Contactez l'accueil du lieu.")


def test_staff_cancel_after_the_deadline_until_the_end(world, booking):
    cancelled = cancel_booking(booking, actor=world.concierge.user, by_staff=True,
                               now=local(TUESDAY, 10), reason="malade", notify=False)

    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_by == world.concierge.user
    assert AuditLog.objects.get(action="booking.cancelled").data == {"by_staff": True,
                                                                     "reason": "malade"}


def test_nobody_cancels_a_finished_booking(world, booking):
    assert_refused(lambda: cancel_booking(booking, actor=world.concierge.user, by_staff=True,
                                          now=local(TUESDAY, 13)),
                   "past", "Cette réservation est terminée.")


def test_cancelling_twice_is_refused(world, booking):
    cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 6), notify=False)
    booking.refresh_from_db()
    first_cancellation = booking.cancelled_at

    assert_refused(lambda: cancel_booking(booking, actor=world.concierge.user, by_staff=True,
                                          now=local(TUESDAY, 6, 30)),
                   "not_cancellable", "Cette réservation ne peut plus être annulée (annulée).")
    booking.refresh_from_db()
    assert booking.cancelled_at == first_cancellation
    assert AuditLog.objects.filter(action="booking.cancelled").count() == 1


def test_cancelling_a_stale_copy_is_refused_by_the_locked_re_read(world, booking):
    stale = Booking.objects.get(pk=booking.pk)
    cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 6), notify=False)

    assert stale.status == BookingStatus.CONFIRMED  # what a second open page still shows
    assert_refused(lambda: cancel_booking(stale, actor=world.member.user,
                                          now=local(TUESDAY, 6, 30)),
                   "not_cancellable", "Cette réservation est déjà annulée.")
    assert Booking.objects.get(pk=booking.pk).cancelled_at == utc(2026, 11, 24, 5)


def test_cancelled_exclusive_slot_can_be_booked_again(world, booking):
    other = f.make_member(world.network)
    assert_refused(lambda: book(world, world.office, *MORNING, member=other), "taken")

    cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 6), notify=False)

    # On PostgreSQL the exclusion constraint ignores cancelled rows too.
    again = book(world, world.office, *MORNING, member=other)
    assert again.status == BookingStatus.CONFIRMED
    assert list(Booking.objects.order_by("pk").values_list("member", "status")) == [
        (world.member.pk, BookingStatus.CANCELLED), (other.pk, BookingStatus.CONFIRMED)]


def test_cancelled_seats_are_free_again(world):
    team = book(world, world.desks, *MORNING, seats=6)
    book(world, world.desks, *MORNING, seats=2, member=f.make_member(world.network))
    late = f.make_member(world.network)
    assert_refused(lambda: book(world, world.desks, *MORNING, seats=3, member=late),
                   "taken", "Complet : plus aucune place libre dans Open space Autrans sur ce "
                            "créneau.")

    cancel_booking(team, actor=world.member.user, now=local(TUESDAY, 6), notify=False)

    assert capacity.free_seats(world.desks, *MORNING) == 6
    assert book(world, world.desks, *MORNING, seats=3, member=late).seats == 3
    assert capacity.free_seats(world.desks, *MORNING) == 3
