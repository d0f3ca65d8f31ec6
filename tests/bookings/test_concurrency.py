"""Races between real concurrent database connections.

Each client runs in its own thread, hence its own Django connection, and all start together on
a barrier. The control tests replace the capacity guard with one that takes no lock and make
every client wait after its re-count, so the race the guard prevents does happen without it.
"""

import datetime as dt
import threading
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from bookings import capacity, services
from bookings.errors import BookingError
from bookings.models import Booking, BookingSource, BookingStatus
from bookings.services import book_resource, cancel_booking
from core.models import AuditLog
from members.models import Member
from places.models import Resource
from tests import factories as f
from tests.conftest import NOW, local

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

TUESDAY = dt.date(2026, 11, 24)
# Generous: on SQLite writers queue behind each other (busy timeout 30 s).
JOIN_TIMEOUT = 60


def race(n: int, client, prepare=None) -> list:
    """Run client(i) in n threads released together; return each result or exception.
    prepare(i), if given, runs in the thread before the start and its result goes to client."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            ready = prepare(i) if prepare else i
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[i] = client(ready)
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a client is stuck"
    return results


def make_members(world, n: int) -> list[int]:
    return [f.make_member(world.network).pk for _ in range(n)]


def booking_client(resource_pk: int, member_pks: list[int], start, end):
    """A client as a request would run it: its own rows loaded on its own connection."""

    def client(i):
        resource = Resource.objects.select_related("site", "network").get(pk=resource_pk)
        member = Member.objects.select_related("user").get(pk=member_pks[i])
        # notify=False: e-mails are not the subject here and would only slow the race down.
        return book_resource(member, resource, start=start, end=end, actor=member.user,
                             now=NOW, notify=False)

    return client


def is_deadlock(exc) -> bool:
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", "") == "40P01"


def split(results):
    booked = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, BookingError)]
    other = [r for r in results if not isinstance(r, Booking | BookingError)]
    return booked, refused, other


@pytest.fixture
def unguarded(monkeypatch):
    """The service without its guard: no transaction, no lock, and every client pauses after
    its re-count until all have counted (the widest possible race window)."""

    def install(n: int):
        after_check = threading.Barrier(n)
        original_check = services._check_capacity

        @contextmanager
        def no_guard(resource):
            yield Resource.objects.select_related("site", "network").get(pk=resource.pk)

        def check_then_wait(*args, **kwargs):
            try:
                return original_check(*args, **kwargs)
            finally:
                after_check.wait(timeout=JOIN_TIMEOUT)

        monkeypatch.setattr(services, "_capacity_guard", no_guard)
        monkeypatch.setattr(services, "_check_capacity", check_then_wait)

    return install


def test_sixteen_clients_for_one_private_office_morning_get_one_booking(world):
    members = make_members(world, 16)
    results = race(16, booking_client(world.office.pk, members, local(TUESDAY, 9),
                                      local(TUESDAY, 13)))

    booked, refused, other = split(results)
    assert other == []
    assert len(booked) == 1
    assert len(refused) == 15
    assert {e.code for e in refused} == {"taken"}
    assert {e.message for e in refused} == {"Déjà réservé : Bureau fermé est pris sur ce créneau."}
    rows = Booking.objects.filter(resource=world.office)
    assert list(rows.values_list("member_id", "status")) == [
        (booked[0].member_id, BookingStatus.CONFIRMED)]


def test_nine_clients_for_eight_seats_get_eight_bookings(world):
    members = make_members(world, 9)
    results = race(9, booking_client(world.desks.pk, members, local(TUESDAY, 9),
                                     local(TUESDAY, 13)))

    booked, refused, other = split(results)
    assert other == []
    assert len(booked) == 8
    assert [e.code for e in refused] == ["taken"]
    assert refused[0].message == (
        "Complet : plus aucune place libre dans Open space Autrans sur ce créneau.")
    assert Booking.objects.filter(resource=world.desks).count() == 8
    assert sorted(Booking.objects.filter(resource=world.desks).values_list("member_id", flat=True)
                  ) == sorted(b.member_id for b in booked)


def test_control_without_guard_the_open_space_is_overbooked(world, unguarded):
    unguarded(9)
    members = make_members(world, 9)
    results = race(9, booking_client(world.desks.pk, members, local(TUESDAY, 9),
                                     local(TUESDAY, 13)))

    booked, refused, other = split(results)
    assert other == []
    # Every client counted 0 seats taken before anyone wrote: all nine get in, for 8 seats.
    assert len(booked) == 9
    assert refused == []
    assert Booking.objects.filter(resource=world.desks).count() == 9


def test_control_without_guard_exclusive_office_relies_on_the_database(world, unguarded):
    unguarded(16)
    members = make_members(world, 16)
    results = race(16, booking_client(world.office.pk, members, local(TUESDAY, 9),
                                      local(TUESDAY, 13)))

    booked, refused, other = split(results)
    if connection.vendor == "postgresql":
        # The exclusion constraint still refuses every overlapping insert; the service turns
        # the IntegrityError into the same "taken" refusal the lock would have given. Inserts
        # racing on an exclusion constraint may also deadlock, and PostgreSQL then aborts one
        # of them (40P01): the guard's row lock is what spares real clients that error.
        expected = 1
        assert [e for e in other if not is_deadlock(e)] == []
        assert {e.code for e in refused} <= {"taken"}
        assert len(refused) + len(other) == 15
    else:
        # SQLite has no exclusion constraint: without the IMMEDIATE transaction of the guard,
        # the race is lost and the office is booked sixteen times (the control).
        expected = 16
        assert other == []
        assert refused == []
    assert len(booked) == expected
    assert Booking.objects.filter(resource=world.office).count() == expected


def test_mixed_spans_and_seats_never_exceed_the_open_space(world):
    """Twelve clients ask for the day, a morning or an afternoon with 1 to 3 seats at once."""
    day, morning, afternoon = ((local(TUESDAY, 9), local(TUESDAY, 18)),
                               (local(TUESDAY, 9), local(TUESDAY, 13)),
                               (local(TUESDAY, 13), local(TUESDAY, 18)))
    asks = [(day, 2), (morning, 3), (afternoon, 3), (day, 1), (morning, 2), (afternoon, 1)] * 2
    members = make_members(world, len(asks))

    def client(i):
        (start, end), seats = asks[i]
        member = Member.objects.select_related("user").get(pk=members[i])
        resource = Resource.objects.select_related("site", "network").get(pk=world.desks.pk)
        return book_resource(member, resource, start=start, end=end, seats=seats,
                             actor=member.user, now=NOW, notify=False)

    results = race(len(asks), client)

    booked, refused, other = split(results)
    assert other == []
    assert {e.code for e in refused} <= {"taken"}
    rows = list(Booking.objects.filter(resource=world.desks).values_list("start", "end", "seats"))
    assert sorted(rows) == sorted((b.start, b.end, b.seats) for b in booked)
    assert capacity.peak_seats(rows, *morning) <= 8
    assert capacity.peak_seats(rows, *afternoon) <= 8
    # Seats are only ever taken during the race, so whoever was refused still does not fit.
    for i, result in enumerate(results):
        if isinstance(result, BookingError):
            (start, end), seats = asks[i]
            assert capacity.free_seats(world.desks, start, end) < seats
    # 16 seats were asked for in the morning, 14 in the afternoon: some were refused.
    assert refused


def test_concurrent_cancellations_of_one_booking_cancel_it_once(world):
    booking = book_resource(world.member, world.office, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=NOW,
                            notify=False)

    results = race(
        8,
        lambda copy: cancel_booking(copy, actor=world.concierge.user, by_staff=True, now=NOW,
                                    notify=False),
        prepare=lambda i: Booking.objects.select_related("resource", "network").get(
            pk=booking.pk),
    )

    cancelled, refused, other = split(results)
    assert other == []
    assert len(cancelled) == 1
    assert len(refused) == 7
    assert {e.code for e in refused} == {"not_cancellable"}
    assert AuditLog.objects.filter(action="booking.cancelled").count() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def _bare_booking(world, start, end, status=BookingStatus.CONFIRMED):
    return Booking.objects.create(
        network=world.network, site=world.site, resource=world.office, member=world.member,
        start=start, end=end, seats=1, is_exclusive=True, status=status,
        source=BookingSource.IMPORT)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="exclusion constraints exist only on PostgreSQL (CI runs it too)")
def test_postgresql_exclusion_constraint_refuses_bare_overlapping_insert(world):
    _bare_booking(world, local(TUESDAY, 9), local(TUESDAY, 13))

    with pytest.raises(IntegrityError, match="booking_exclusive_no_overlap"):
        with transaction.atomic():
            _bare_booking(world, local(TUESDAY, 12), local(TUESDAY, 14))
    assert Booking.objects.filter(resource=world.office).count() == 1

    # Adjacent spans ('[)' ranges) and cancelled rows do not conflict.
    _bare_booking(world, local(TUESDAY, 13), local(TUESDAY, 18))
    _bare_booking(world, local(TUESDAY, 10), local(TUESDAY, 11), status=BookingStatus.CANCELLED)
    assert Booking.objects.filter(resource=world.office).count() == 3
