"""Helpers of the booking integrity tests: book as a persona, and check a refusal changed
nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from bookings.errors import BookingError
from bookings.models import Booking, BookingSeries
from bookings.services import book_resource
from core.models import AuditLog
from tests.conftest import NOW

UTC = dt.UTC


_MEMBER = object()


def book(world, resource, start, end, *, member=_MEMBER, now=NOW, **kwargs):
    """The member persona books for themselves (through the service, as every page does);
    member=None books for a guest (give guest_email)."""
    if member is _MEMBER:
        member = world.member
    # A guest books from the public page, logged out.
    kwargs.setdefault("actor", member.user if member is not None else AnonymousUser())
    return book_resource(member, resource, start=start, end=end, now=now, **kwargs)


def staff_book(world, resource, start, end, *, member=None, now=NOW, **kwargs):
    """The concierge of site A books on behalf of the member (or a guest)."""
    if member is None and "guest_email" not in kwargs:
        member = world.member
    return book_resource(member, resource, start=start, end=end, now=now,
                         actor=world.concierge.user, by_staff=True, **kwargs)


def _snapshot():
    return (
        list(Booking.objects.order_by("pk").values_list("pk", "status", "start", "end", "seats")),
        BookingSeries.objects.count(),
        AuditLog.objects.count(),
    )


def assert_refused(call, code: str, message: str | None = None) -> BookingError:
    """Run call(); it must raise BookingError(code[, message]) and leave every row as it was."""
    before = _snapshot()
    with pytest.raises(BookingError) as err:
        call()
    assert err.value.code == code, err.value.message
    if message is not None:
        assert err.value.message == message
    assert _snapshot() == before
    return err.value


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)
