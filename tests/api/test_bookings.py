"""Booking and cancelling through the API, for each persona (allow and deny)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingStatus
from bookings.services import book_resource
from core.models import AuditLog
from tests import factories as f
from tests.conftest import NOW, local

BOOKINGS = "/api/v1/networks/vercors/bookings"
MONDAY, TUESDAY, WEDNESDAY = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)
ON_BEHALF_FORBIDDEN = {"error": {
    "code": "forbidden",
    "message": "Seul l'accueil du lieu peut réserver pour un autre membre ou pour une personne "
               "invitée.",
    "details": {},
}}


def cancel_url(booking_id):
    return f"{BOOKINGS}/{booking_id}/cancel"


def book(member, resource, day=TUESDAY, start=9, end=13):
    return book_resource(member, resource, start=local(day, start), end=local(day, end),
                         actor=member.user, now=NOW)


# --- Creating ---------------------------------------------------------------------------


def test_member_books_a_half_day_by_date_and_slot(api, world):
    response = api.post(BOOKINGS, {"resource_id": world.desks.pk, "date": "2026-11-24",
                                   "slot": "morning", "seats": 2, "note": "avec un stagiaire"})

    assert response.status_code == 201
    booking = Booking.objects.get()
    assert response.json() == {
        "id": booking.pk, "site": "autrans", "site_name": "Autrans",
        "resource_id": world.desks.pk, "resource_name": "Open space Autrans",
        "member_id": world.member.pk, "holder_name": "Camille Martin",
        "guest_name": "", "guest_email": "",
        "start": "2026-11-24T09:00:00+01:00", "end": "2026-11-24T13:00:00+01:00",
        "slot": "morning", "seats": 2, "status": "confirmed", "source": "api",
        "note": "avec un stagiaire", "series_id": None,
        "created_at": "2026-11-23T08:00:00+01:00", "cancelled_at": None,
    }
    assert (booking.member, booking.resource, booking.seats) == (world.member, world.desks, 2)
    assert (booking.start, booking.end) == (local(TUESDAY, 9), local(TUESDAY, 13))
    assert (booking.source, booking.created_by) == ("api", world.member.user)
    audit = AuditLog.objects.get(action="booking.created")
    assert (audit.actor, audit.data) == (world.member.user,
                                         {"source": "api", "status": "confirmed"})


def test_member_books_hours_with_iso_datetimes_in_any_offset(api, world):
    response = api.post(BOOKINGS, {"resource_id": world.room.pk,
                                   "start": "2026-11-24T09:00:00Z",
                                   "end": "2026-11-24T12:00:00+01:00"})
    assert response.status_code == 201
    body = response.json()
    assert (body["start"], body["end"], body["slot"]) == (
        "2026-11-24T10:00:00+01:00", "2026-11-24T12:00:00+01:00", None)
    assert Booking.objects.get().start == dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_staff_status_comes_from_the_site_role(api, world, keys):
    world.room.requires_approval = True
    world.room.save()
    as_member = api.post(BOOKINGS, {"resource_id": world.room.pk,
                                    "start": "2026-11-24T10:00:00+01:00",
                                    "end": "2026-11-24T11:00:00+01:00"})
    as_concierge = api.post(BOOKINGS, {"resource_id": world.room.pk,
                                       "start": "2026-11-24T14:00:00+01:00",
                                       "end": "2026-11-24T15:00:00+01:00"},
                            key=keys["concierge"])
    assert as_member.json()["status"] == "pending"
    assert as_concierge.json()["status"] == "confirmed"


def test_taken_slot_is_409_with_alternatives_and_nothing_saved(api, world):
    book(world.concierge, world.room, start=10, end=12)

    response = api.post(BOOKINGS, {"resource_id": world.room.pk,
                                   "start": "2026-11-24T11:00:00+01:00",
                                   "end": "2026-11-24T13:00:00+01:00"})

    assert response.status_code == 409
    assert response.json() == {"error": {
        "code": "taken",
        "message": "Déjà réservé : Salle de réunion est pris sur ce créneau.",
        "details": {"alternatives": [
            {"resource_id": world.room.pk, "resource_name": "Salle de réunion",
             "start": "2026-11-24T12:00:00+01:00", "end": "2026-11-24T14:00:00+01:00",
             "label": "Salle de réunion – mardi 24 novembre 2026, 12:00–14:00"},
            {"resource_id": world.room.pk, "resource_name": "Salle de réunion",
             "start": "2026-11-24T12:30:00+01:00", "end": "2026-11-24T14:30:00+01:00",
             "label": "Salle de réunion – mardi 24 novembre 2026, 12:30–14:30"},
            {"resource_id": world.room.pk, "resource_name": "Salle de réunion",
             "start": "2026-11-24T13:00:00+01:00", "end": "2026-11-24T15:00:00+01:00",
             "label": "Salle de réunion – mardi 24 novembre 2026, 13:00–15:00"},
        ]},
    }}
    assert Booking.objects.count() == 1
    assert AuditLog.objects.filter(action="booking.created").count() == 1


def test_full_open_space_is_409(api, world):
    world.desks.seats = 1
    world.desks.save()
    book(world.concierge, world.desks)
    response = api.post(BOOKINGS, {"resource_id": world.desks.pk, "date": "2026-11-24",
                                   "slot": "morning"})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "Complet : plus aucune place libre dans Open space Autrans sur ce créneau.")
    assert Booking.objects.count() == 1


def test_a_booking_rule_refusal_is_400_with_its_code(api, world):
    response = api.post(BOOKINGS, {"resource_id": world.room.pk,
                                   "start": "2026-11-28T10:00:00+01:00",
                                   "end": "2026-11-28T11:00:00+01:00"})
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "closed", "message": "Autrans est fermé le samedi 28 novembre 2026.",
        "details": {}}}
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("body", "message", "fields"), [
    ({"start": "2026-11-24T10:00:00", "end": "2026-11-24T11:00:00+01:00"},
     "start doit indiquer le décalage horaire, par exemple 2026-11-24T09:00:00+01:00.",
     ["start"]),
    ({"start": "2026-11-24T10:00:00+01:00", "end": "2026-11-24T11:00:00+01:00",
      "date": "2026-11-24", "slot": "morning"},
     "Indiquez soit start et end, soit date et slot, pas les deux.", []),
    ({}, "Indiquez le début et la fin (start, end), ou une date et un créneau (date, slot).",
     ["start"]),
    ({"date": "2026-11-24"}, "Indiquez la date et le créneau (slot).", ["slot"]),
    ({"date": "2026-11-24", "slot": "soir"}, "La requête est invalide (voir details.errors).",
     ["slot"]),
    ({"date": "2026-11-24", "slot": "morning", "seats": 0},
     "La requête est invalide (voir details.errors).", ["seats"]),
])
def test_invalid_bodies_are_400_and_nothing_saved(api, world, body, message, fields):
    response = api.post(BOOKINGS, {"resource_id": world.room.pk, **body})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("validation_error", message)
    assert [e["field"] for e in error["details"].get("errors", [])] == fields
    assert not Booking.objects.exists()


def test_malformed_json_is_400(api, keys):
    response = api.client.post(BOOKINGS, "{oops", content_type="application/json",
                               headers={"Authorization": f"Bearer {keys['member']}"})
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "validation_error",
        "message": "Requête mal formée : le corps doit être un objet JSON.", "details": {}}}


def test_member_acting_on_behalf_of_someone_else_is_403(api, world):
    other = f.make_member(world.network)
    for body in ({"member_id": other.pk},
                 {"guest_name": "Alex Dupont", "guest_email": "alex@example.org"}):
        response = api.post(BOOKINGS, {"resource_id": world.desks.pk, "date": "2026-11-24",
                                       "slot": "morning", **body})
        assert response.status_code == 403
        assert response.json() == ON_BEHALF_FORBIDDEN
    assert not Booking.objects.exists()
    # Naming oneself is not acting on behalf of anyone.
    response = api.post(BOOKINGS, {"resource_id": world.desks.pk, "date": "2026-11-24",
                                   "slot": "morning", "member_id": world.member.pk})
    assert response.status_code == 201


def test_concierge_books_for_a_member_beyond_the_member_limits(api, world, keys):
    body = {"resource_id": world.desks.pk, "date": "2027-03-02", "slot": "day"}
    as_member = api.post(BOOKINGS, body)
    assert as_member.status_code == 400
    assert as_member.json()["error"]["code"] == "too_far"

    response = api.post(BOOKINGS, {**body, "member_id": world.member.pk}, key=keys["concierge"])

    assert response.status_code == 201
    booking = Booking.objects.get()
    assert (booking.member, booking.created_by, booking.source) == (
        world.member, world.concierge.user, "api")
    assert (response.json()["slot"], response.json()["holder_name"]) == ("day", "Camille Martin")


def test_concierge_cannot_book_for_others_at_a_site_they_do_not_run(api, world, keys):
    villard_desks = world.other_site.resources.get()
    response = api.post(BOOKINGS, {"resource_id": villard_desks.pk, "date": "2026-11-24",
                                   "slot": "morning", "member_id": world.member.pk},
                        key=keys["concierge"])
    assert response.status_code == 403
    assert response.json() == ON_BEHALF_FORBIDDEN
    # ... but may book there for themselves, as a member.
    response = api.post(BOOKINGS, {"resource_id": villard_desks.pk, "date": "2026-11-24",
                                   "slot": "morning"}, key=keys["concierge"])
    assert response.status_code == 201
    assert Booking.objects.get().member == world.concierge


def test_coordinator_books_for_a_member_at_any_site(api, world, keys):
    villard_desks = world.other_site.resources.get()
    response = api.post(BOOKINGS, {"resource_id": villard_desks.pk, "date": "2026-11-24",
                                   "slot": "afternoon", "member_id": world.member.pk},
                        key=keys["coordinator"])
    assert response.status_code == 201
    assert Booking.objects.get().member == world.member


def test_concierge_books_for_a_guest(api, world, keys):
    response = api.post(BOOKINGS, {"resource_id": world.office.pk, "date": "2026-11-24",
                                   "slot": "afternoon", "guest_name": "Alex Dupont",
                                   "guest_email": "Alex.Dupont@Example.org"},
                        key=keys["concierge"])
    assert response.status_code == 201
    body = response.json()
    assert (body["member_id"], body["holder_name"], body["guest_email"]) == (
        None, "Alex Dupont", "alex.dupont@example.org")
    booking = Booking.objects.get()
    assert (booking.member, booking.guest_name) == (None, "Alex Dupont")


@pytest.mark.parametrize(("body", "message", "field"), [
    ({"guest_name": "Alex", "guest_email": "pas-un-email"},
     "Indiquez une adresse e-mail valide pour la personne invitée.", "guest_email"),
    ({"guest_name": "Alex", "guest_email": "alex@example.org", "member_id": 1},
     "Indiquez soit un membre, soit une personne invitée, pas les deux.", "member_id"),
])
def test_concierge_guest_booking_needs_a_valid_holder(api, world, keys, body, message, field):
    response = api.post(BOOKINGS, {"resource_id": world.office.pk, "date": "2026-11-24",
                                   "slot": "afternoon", **body}, key=keys["concierge"])
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "validation_error", "message": message,
                                          "details": {"errors": [{"field": field,
                                                                  "message": message}]}}}
    assert not Booking.objects.exists()


def test_resource_or_member_of_another_network_is_404(api, world, keys):
    gers_desks = world.site_b.resources.get()
    response = api.post(BOOKINGS, {"resource_id": gers_desks.pk, "date": "2026-11-24",
                                   "slot": "morning"})
    assert (response.status_code, response.json()) == (404, {"error": {
        "code": "not_found", "message": "Ressource introuvable.", "details": {}}})
    response = api.post(BOOKINGS, {"resource_id": world.desks.pk, "date": "2026-11-24",
                                   "slot": "morning", "member_id": world.concierge_b.pk},
                        key=keys["concierge"])
    assert (response.status_code, response.json()) == (404, {"error": {
        "code": "not_found", "message": "Membre introuvable.", "details": {}}})
    assert not Booking.objects.exists()


# --- Listing ----------------------------------------------------------------------------


@pytest.fixture
def some_bookings(world):
    """Three bookings of the member (Tue morning, Tue afternoon, Wed), one of another member
    at Autrans and one of the member at Villard."""
    other = f.make_member(world.network, f.make_user("autre@example.org"))
    villard_desks = world.other_site.resources.get()
    return {
        "tue_am": book(world.member, world.desks),
        "tue_pm": book(world.member, world.desks, start=13, end=18),
        "wed": book(world.member, world.office, day=WEDNESDAY),
        "other": book(other, world.desks),
        "villard": book(world.member, villard_desks, day=WEDNESDAY, start=13, end=18),
    }


def ids(response):
    return [item["id"] for item in response.json()["items"]]


def test_member_lists_their_own_bookings_with_pagination(api, some_bookings):
    b = some_bookings
    response = api.get(BOOKINGS)
    assert response.status_code == 200
    assert ids(response) == [b["tue_am"].pk, b["tue_pm"].pk, b["wed"].pk, b["villard"].pk]
    assert response.json()["count"] == 4

    page = api.get(BOOKINGS, {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [item["id"] for item in page["items"]] == [b["tue_pm"].pk, b["wed"].pk]


def test_bookings_are_filtered_by_local_date_and_status(api, world, some_bookings):
    b = some_bookings
    assert ids(api.get(BOOKINGS, {"from": "2026-11-25"})) == [b["wed"].pk, b["villard"].pk]
    assert ids(api.get(BOOKINGS, {"to": "2026-11-24"})) == [b["tue_am"].pk, b["tue_pm"].pk]
    assert ids(api.get(BOOKINGS, {"from": "2026-11-24", "to": "2026-11-24"})) == [
        b["tue_am"].pk, b["tue_pm"].pk]
    Booking.objects.filter(pk=b["wed"].pk).update(status=BookingStatus.CANCELLED)
    assert ids(api.get(BOOKINGS, {"status": "cancelled"})) == [b["wed"].pk]
    response = api.get(BOOKINGS, {"status": "perdue"})
    assert (response.status_code, response.json()["error"]["message"]) == (
        400, "Statut inconnu : perdue.")


def test_page_size_is_bounded(api):
    response = api.get(BOOKINGS, {"limit": 500})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["errors"][0]["field"] == "limit"


def test_concierge_lists_every_booking_of_their_site(api, keys, some_bookings):
    b = some_bookings
    response = api.get(BOOKINGS, {"site": "autrans"}, key=keys["concierge"])
    assert response.status_code == 200
    assert ids(response) == [b["tue_am"].pk, b["other"].pk, b["tue_pm"].pk, b["wed"].pk]
    other = next(i for i in response.json()["items"] if i["id"] == b["other"].pk)
    assert other["holder_name"] == "autre@example.org"


def test_site_listing_is_staff_only(api, keys, some_bookings):
    forbidden = {"error": {"code": "forbidden", "message": "Seul l'accueil de ce lieu peut "
                           "consulter ses réservations.", "details": {}}}
    response = api.get(BOOKINGS, {"site": "autrans"})
    assert (response.status_code, response.json()) == (403, forbidden)
    response = api.get(BOOKINGS, {"site": "villard"}, key=keys["concierge"])
    assert (response.status_code, response.json()) == (403, forbidden)
    response = api.get(BOOKINGS, {"site": "nulle-part"}, key=keys["concierge"])
    assert (response.status_code, response.json()["error"]["message"]) == (
        404, "Lieu introuvable.")
    response = api.get(BOOKINGS, {"site": "villard"}, key=keys["coordinator"])
    assert ids(response) == [some_bookings["villard"].pk]


def test_booking_list_runs_a_fixed_number_of_queries(api, world, keys, some_bookings):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(BOOKINGS, {"site": "autrans"}, key=keys["concierge"]).status_code == 200
        return len(queries)

    count()  # the first request also records the token's last use
    before = count()
    for day in (dt.date(2026, 11, 26), dt.date(2026, 11, 27)):
        book(f.make_member(world.network), world.room, day=day, start=10, end=11)
    assert count() == before
    # token, network, membership, roles, staff sites, site, page, count
    assert before == 8


# --- Cancelling -------------------------------------------------------------------------


def test_member_cancels_their_booking(api, world, some_bookings):
    booking = some_bookings["tue_am"]
    response = api.post(cancel_url(booking.pk), {"reason": "empêchement"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancelled_at"]) == (
        "cancelled", "2026-11-23T08:00:00+01:00")
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, world.member.user)
    audit = AuditLog.objects.get(action="booking.cancelled")
    assert audit.data == {"by_staff": False, "reason": "empêchement"}


def test_someone_elses_booking_cannot_be_seen_to_be_cancelled(api, keys, some_bookings):
    not_found = {"error": {"code": "not_found", "message": "Réservation introuvable.",
                           "details": {}}}
    for key, booking in [("member", some_bookings["other"]),
                         ("concierge", some_bookings["villard"]),  # not their site
                         ("concierge_b", some_bookings["tue_am"])]:
        response = api.post(cancel_url(booking.pk), key=keys[key])
        assert response.status_code == 404
        if key != "concierge_b":
            assert response.json() == not_found
    assert not Booking.objects.filter(status=BookingStatus.CANCELLED).exists()


def test_staff_may_cancel_after_the_member_deadline(api, world, keys):
    booking = book(world.member, world.desks, day=MONDAY)  # starts 09:00, deadline was 07:00
    response = api.post(cancel_url(booking.pk))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_late_to_cancel"
    assert response.json()["error"]["message"].startswith("Trop tard pour annuler")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    response = api.post(cancel_url(booking.pk), key=keys["concierge"])
    assert response.status_code == 200
    assert AuditLog.objects.get(action="booking.cancelled").data["by_staff"] is True


def test_cancelling_twice_is_409(api, some_bookings):
    booking = some_bookings["tue_am"]
    assert api.post(cancel_url(booking.pk)).status_code == 200
    response = api.post(cancel_url(booking.pk))
    assert response.status_code == 409
    assert response.json() == {"error": {
        "code": "not_cancellable",
        "message": "Cette réservation ne peut plus être annulée (annulée).", "details": {}}}
