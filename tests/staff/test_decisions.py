import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import book_resource
from core.models import AuditLog
from places.models import Resource
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def pending(world, now):
    world.room.requires_approval = True
    world.room.save()
    return book_resource(world.member, world.room, start=local(TUESDAY, 10),
                         end=local(TUESDAY, 12), actor=world.member.user, now=now)


def decide(client, booking, decision, **extra):
    return client.post(reverse("staff_booking_decide", args=["vercors", booking.pk]),
                       {"decision": decision, **extra})


def cancel(client, booking):
    return client.post(reverse("staff_booking_cancel", args=["vercors", booking.pk]))


def test_concierge_approves_a_pending_booking(client, world, pending):
    assert pending.status == BookingStatus.PENDING
    client.force_login(world.concierge.user)
    response = decide(client, pending, "approve")
    assert response.status_code == 302
    assert response["Location"] == (reverse("staff_board", args=["vercors"])
                                    + "?lieu=autrans&date=2026-11-24")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CONFIRMED
    assert AuditLog.objects.filter(action="booking.approved", actor=world.concierge.user,
                                   target_id=str(pending.pk)).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Réservation de Camille Martin validée." in page


def test_concierge_refuses_a_pending_booking_and_returns_to_the_page(client, world, pending):
    client.force_login(world.concierge.user)
    back = reverse("staff_board", args=["vercors"]) + "?lieu=autrans&date=2026-11-23"
    response = decide(client, pending, "refuse", next=back)
    assert response["Location"] == back
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CANCELLED
    assert pending.cancelled_by == world.concierge.user


def test_external_next_is_ignored(client, world, pending):
    client.force_login(world.concierge.user)
    response = decide(client, pending, "approve", next="https://evil.example/")
    assert response["Location"].startswith("/r/vercors/accueil/")


def test_deciding_a_confirmed_booking_is_refused(client, world, pending):
    pending.status = BookingStatus.CONFIRMED
    pending.save()
    client.force_login(world.concierge.user)
    response = decide(client, pending, "refuse")
    page = client.get(response["Location"]).content.decode()
    assert "Cette réservation n&#x27;attend pas de validation." in page
    pending.refresh_from_db()
    assert pending.status == BookingStatus.CONFIRMED


def test_unknown_decision_changes_nothing(client, world, pending):
    client.force_login(world.concierge.user)
    decide(client, pending, "maybe")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


def test_concierge_cancels_a_booking_even_after_the_member_deadline(client, world, now,
                                                                   frozen, monkeypatch):
    booking = book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=now)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: local(TUESDAY, 8, 30))
    client.force_login(world.concierge.user)
    response = cancel(client, booking)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == world.concierge.user
    log = AuditLog.objects.get(action="booking.cancelled")
    assert log.data == {"by_staff": True, "reason": ""}


def test_cancelling_twice_shows_why(client, world, pending):
    client.force_login(world.concierge.user)
    cancel(client, pending)
    response = cancel(client, pending)
    page = client.get(response["Location"]).content.decode()
    assert "Cette réservation ne peut plus être annulée (annulée)." in page


def test_get_is_not_allowed(client, world, pending):
    client.force_login(world.concierge.user)
    url = reverse("staff_booking_cancel", args=["vercors", pending.pk])
    assert client.get(url).status_code == 405
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING


# --- Denials -----------------------------------------------------------------------------

def test_concierge_of_autrans_cannot_touch_a_villard_booking(client, world, now):
    villard = Resource.objects.get(name="Open space Villard")
    booking = book_resource(world.member, villard, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=now)
    client.force_login(world.concierge.user)
    assert cancel(client, booking).status_code == 404
    assert decide(client, booking, "refuse").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403)])
def test_decisions_denied(client, world, pending, persona, status):
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
    assert decide(client, pending, "approve").status_code == status
    assert cancel(client, pending).status_code == status
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_concierge_b_cannot_reach_a_booking_through_own_network(client, world, pending):
    client.force_login(world.concierge_b.user)
    response = client.post(reverse("staff_booking_cancel", args=["gers", pending.pk]))
    assert response.status_code == 404
    assert Booking.objects.get().status == BookingStatus.PENDING
