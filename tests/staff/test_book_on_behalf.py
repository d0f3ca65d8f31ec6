import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import book_resource
from core.models import AuditLog
from places.models import Resource
from tests import factories as f
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)
URL = reverse("staff_book", args=["vercors"])


def post(client, **data):
    payload = {"holder": "member", "date": "2026-11-24", "slot": "morning", "seats": "1"}
    payload.update({k: str(v) for k, v in data.items()})
    return client.post(URL, payload)


def test_concierge_books_a_desk_for_a_member(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.concierge.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, resource=world.desks.pk, member=world.member.pk,
                        note="premier jour")
    assert response.status_code == 302
    assert response["Location"] == (reverse("staff_board", args=["vercors"])
                                    + "?lieu=autrans&date=2026-11-24")
    booking = Booking.objects.get()
    assert booking.member == world.member
    assert (booking.start, booking.end) == (local(TUESDAY, 9), local(TUESDAY, 13))
    assert booking.source == "staff" and booking.status == BookingStatus.CONFIRMED
    assert booking.created_by == world.concierge.user and booking.note == "premier jour"
    assert AuditLog.objects.filter(action="booking.created", target_id=str(booking.pk),
                                   actor=world.concierge.user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Réservation enregistrée pour Camille Martin" in page
    assert "Camille Martin" in page and "accueil" in page


def test_concierge_books_for_a_walk_in(client, world):
    client.force_login(world.concierge.user)
    response = post(client, resource=world.desks.pk, holder="guest", guest_name="Alex Passant",
                    guest_email="Alex@Example.org", slot="day")
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.member is None
    assert (booking.guest_name, booking.guest_email) == ("Alex Passant", "alex@example.org")
    assert (booking.start, booking.end) == (local(TUESDAY, 9), local(TUESDAY, 18))


def test_staff_may_book_an_hourly_room_with_times_without_notice(client, world, now):
    world.room.min_notice_minutes = 24 * 60
    world.room.requires_approval = True
    world.room.save()
    client.force_login(world.concierge.user)
    response = post(client, resource=world.room.pk, member=world.member.pk, date="2026-11-23",
                    slot="hours", start_time="10:00", end_time="11:30")
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (local(now.date(), 10), local(now.date(), 11, 30))
    # Staff bookings skip approval.
    assert booking.status == BookingStatus.CONFIRMED


def test_refused_booking_shows_the_precise_message_and_keeps_the_input(client, world, now):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    client.force_login(world.concierge.user)
    response = post(client, resource=world.office.pk, holder="guest", guest_name="Alex Passant",
                    guest_email="alex@example.org", note="client du jeudi")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Déjà réservé : Bureau fermé est pris sur ce créneau. Alternatives libres les plus "
            "proches : Bureau fermé – mardi 24 novembre 2026, après-midi (13:00–18:00)") in html
    assert 'value="Alex Passant"' in html and 'value="alex@example.org"' in html
    assert 'value="client du jeudi"' in html and 'value="2026-11-24"' in html
    assert f'<option value="{world.office.pk}" selected>' in html
    assert Booking.objects.count() == 1


def test_closed_day_is_refused_with_reason(client, world):
    client.force_login(world.concierge.user)
    response = post(client, resource=world.desks.pk, member=world.member.pk, date="2026-11-28")
    assert response.status_code == 200
    assert "Autrans est fermé ce jour-là." in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("data, field, message", [
    ({"holder": "member"}, "member", "Choisissez le membre."),
    ({"holder": "guest", "guest_email": "a@example.org"}, "guest_name",
     "Indiquez le nom de la personne."),
    ({"holder": "guest", "guest_name": "Alex"}, "guest_email", "Indiquez l'e-mail de la personne."),
    ({"slot": "hours", "start_time": "11:00", "end_time": "10:00"}, "end_time",
     "La fin doit être après le début."),
])
def test_incomplete_form_shows_errors_next_to_fields(client, world, data, field, message):
    client.force_login(world.concierge.user)
    if "holder" not in data:
        data["member"] = world.member.pk
    response = post(client, resource=world.room.pk, **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Booking.objects.exists()


def test_resources_offered_are_those_of_the_concierges_sites(client, world):
    client.force_login(world.concierge.user)
    response = client.get(URL)
    assert response.status_code == 200
    offered = set(response.context["form"].fields["resource"].queryset)
    assert offered == {world.desks, world.office, world.room}
    members = set(response.context["form"].fields["member"].queryset)
    assert world.member in members and world.concierge_b not in members


def test_prefilled_resource_and_date(client, world):
    client.force_login(world.concierge.user)
    response = client.get(URL, {"ressource": world.room.pk, "date": "2026-11-25"})
    form = response.context["form"]
    assert form.initial["resource"] == world.room.pk
    assert form.initial["slot"] == "hours"
    assert form.initial["date"] == dt.date(2026, 11, 25)


# --- Denials -----------------------------------------------------------------------------

def test_concierge_of_autrans_cannot_prefill_or_book_villard(client, world):
    villard = Resource.objects.get(name="Open space Villard")
    client.force_login(world.concierge.user)
    assert client.get(URL, {"ressource": villard.pk}).status_code == 404
    response = post(client, resource=villard.pk, member=world.member.pk)
    assert response.status_code == 200
    assert "resource" in response.context["form"].errors
    assert not Booking.objects.exists()


def test_member_of_another_network_cannot_be_booked(client, world):
    client.force_login(world.concierge.user)
    response = post(client, resource=world.desks.pk, member=world.concierge_b.pk)
    assert response.status_code == 200
    assert "member" in response.context["form"].errors
    assert not Booking.objects.exists()


def test_coordinator_may_book_any_site(client, world):
    villard = Resource.objects.get(name="Open space Villard")
    other = f.make_member(world.network)
    client.force_login(world.coordinator.user)
    assert post(client, resource=villard.pk, member=other.pk).status_code == 302
    assert Booking.objects.get().site == world.other_site


@pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403)])
def test_booking_page_denied(client, world, persona, status):
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
    assert client.get(URL).status_code == status
    assert post(client, resource=world.desks.pk, member=world.member.pk).status_code == status
    assert not Booking.objects.exists()
