import datetime as dt

import pytest
from django.core import mail

from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from bookings.services import book_resource, cancel_booking
from core.models import AuditLog
from places.models import OpeningException
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


def test_member_books_a_morning_desk(world, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                                end=local(TUESDAY, 13), actor=world.member.user, now=now)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.start == dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
    assert booking.network == world.network and booking.site == world.site
    assert AuditLog.objects.filter(action="booking.created", target_id=str(booking.pk)).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["membre@example.org"]
    assert mail.outbox[0].attachments[0][0] == f"reservation-{booking.pk}.ics"


def test_adjacent_half_days_on_exclusive_office_are_both_accepted(world, now):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    book_resource(world.member, world.office, start=local(TUESDAY, 13), end=local(TUESDAY, 18),
                  actor=world.member.user, now=now)
    assert Booking.objects.filter(resource=world.office).count() == 2


def test_overlap_on_exclusive_resource_is_refused_with_alternatives(world, now):
    book_resource(world.member, world.room, start=local(TUESDAY, 10), end=local(TUESDAY, 12),
                  actor=world.member.user, now=now)
    with pytest.raises(BookingError) as err:
        book_resource(world.member, world.room, start=local(TUESDAY, 11),
                      end=local(TUESDAY, 13), actor=world.member.user, now=now)
    assert err.value.code == "taken"
    assert "Déjà réservé" in err.value.message
    first = err.value.alternatives[0]
    assert (first.start, first.end) == (local(TUESDAY, 12), local(TUESDAY, 14))
    assert Booking.objects.filter(resource=world.room).count() == 1


def test_closed_day_is_refused_with_reason(world, now):
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=TUESDAY, end_date=TUESDAY, reason="travaux")
    with pytest.raises(BookingError) as err:
        book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                      end=local(TUESDAY, 13), actor=world.member.user, now=now)
    assert err.value.code == "closed"
    assert err.value.message == "Autrans est fermé le mardi 24 novembre 2026 (travaux)."
    assert not Booking.objects.exists()


def test_outside_opening_hours_is_refused(world, now):
    with pytest.raises(BookingError) as err:
        book_resource(world.member, world.room, start=local(TUESDAY, 17),
                      end=local(TUESDAY, 19), actor=world.member.user, now=now)
    assert err.value.code == "outside_hours"
    assert "ouvert 09:00–18:00" in err.value.message


def test_too_late_to_cancel(world, now):
    booking = book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=now)
    with pytest.raises(BookingError) as err:
        cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 8))
    assert err.value.code == "too_late_to_cancel"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    cancel_booking(booking, actor=world.member.user, now=local(TUESDAY, 6, 59))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_inactive_member_cannot_book(world, now):
    world.member.is_active = False
    world.member.save()
    with pytest.raises(BookingError) as err:
        book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                      actor=world.concierge.user, now=now, by_staff=True)
    assert err.value.code == "inactive_member"
    assert not Booking.objects.exists()
