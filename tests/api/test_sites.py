"""Sites and availability of a network, as a member sees them."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.services import book_resource
from places.models import OpeningException, ResourceBlock
from tests import factories as f
from tests.conftest import NOW, local

TUESDAY = dt.date(2026, 11, 24)
WEEK = [
    {"weekday": n, "weekday_name": name, "opens": "09:00", "closes": "18:00"}
    for n, name in enumerate(["lundi", "mardi", "mercredi", "jeudi", "vendredi"])
]


def test_member_lists_sites_with_services_hours_and_resources(api, world):
    world.site.wifi_mbps, world.site.has_visio, world.site.has_kitchen = 300, True, True
    world.site.latitude, world.site.longitude = "45.174300", "5.544100"
    world.site.save()
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=dt.date(2026, 12, 24),
                                    end_date=dt.date(2026, 12, 26), reason="Noël")
    OpeningException.objects.create(network=world.network, site=world.site,  # past: not listed
                                    start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 2))
    world.room.is_active = False  # inactive resources are not listed
    world.room.save()

    response = api.get("/api/v1/networks/vercors/sites")

    assert response.status_code == 200
    autrans, villard = response.json()
    assert autrans == {
        "id": world.site.pk, "slug": "autrans", "name": "Autrans", "description": "",
        "address": "1 place de la Mairie", "postcode": "38880", "city": "Autrans",
        "insee_code": "38021", "latitude": 45.1743, "longitude": 5.5441, "email": "",
        "phone": "", "is_active": True, "wifi_mbps": 300,
        "services": ["visio", "kitchen"],
        "service_labels": ["wifi 300 Mbit/s", "visioconférence", "cuisine"],
        "members_24_7": False, "half_day_split": "13:00",
        "opening_hours": WEEK,
        "opening_exceptions": [{"start_date": "2026-12-24", "end_date": "2026-12-26",
                                "closed": True, "opens": None, "closes": None,
                                "reason": "Noël"}],
        "resources": [
            {"id": world.desks.pk, "name": "Open space Autrans", "kind": "open_space",
             "description": "", "seats": 8, "capacity": 1, "booking_unit": "half_day",
             "members_only": False, "requires_approval": False},
            {"id": world.office.pk, "name": "Bureau fermé", "kind": "private_office",
             "description": "", "seats": 1, "capacity": 1, "booking_unit": "half_day",
             "members_only": False, "requires_approval": False},
        ],
    }
    assert villard["slug"] == "villard"
    assert [r["name"] for r in villard["resources"]] == ["Open space Villard"]


def test_site_list_runs_a_fixed_number_of_queries(api, world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/networks/vercors/sites").status_code == 200
        return len(queries)

    count()  # the first request also records the token's last use
    before = count()
    site = f.make_site(world.network, "lans", "Lans-en-Vercors")
    f.make_resource(site, "meeting_room")
    OpeningException.objects.create(network=world.network, site=site, start_date=TUESDAY,
                                    end_date=TUESDAY)
    # token, network, membership, roles, sites, opening hours, exceptions, resources
    assert before == 8
    assert count() == before


def test_sites_of_another_network_are_not_listed(api, keys):
    response = api.get("/api/v1/networks/gers/sites", key=keys["member"])
    assert response.status_code == 404
    response = api.get("/api/v1/networks/gers/sites", key=keys["concierge_b"])
    assert [s["slug"] for s in response.json()] == ["auch"]


def test_availability_counts_free_seats_per_slot(api, world):
    for _ in range(3):
        book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                      end=local(TUESDAY, 13), actor=world.member.user, now=NOW)
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 18),
                  actor=world.member.user, now=NOW)
    book_resource(world.member, world.room, start=local(TUESDAY, 9), end=local(TUESDAY, 17),
                  actor=world.member.user, now=NOW)
    ResourceBlock.objects.create(network=world.network, resource=world.room,
                                 start=local(TUESDAY, 17), end=local(TUESDAY, 17, 30))

    response = api.get("/api/v1/networks/vercors/sites/autrans/availability",
                       {"date": "2026-11-24"})

    assert response.status_code == 200
    assert response.json() == {
        "site": "autrans", "date": "2026-11-24", "is_open": True,
        "hours": [{"opens": "09:00", "closes": "18:00"}], "closure_reason": None,
        "resources": [
            {"id": world.room.pk, "name": "Salle de réunion", "kind": "meeting_room",
             "seats": 1, "booking_unit": "hour", "slots": [
                 {"slot": None, "start": "2026-11-24T17:30:00+01:00",
                  "end": "2026-11-24T18:00:00+01:00", "free_seats": 1},
             ]},
            {"id": world.desks.pk, "name": "Open space Autrans", "kind": "open_space",
             "seats": 8, "booking_unit": "half_day", "slots": [
                 {"slot": "morning", "start": "2026-11-24T09:00:00+01:00",
                  "end": "2026-11-24T13:00:00+01:00", "free_seats": 5},
                 {"slot": "afternoon", "start": "2026-11-24T13:00:00+01:00",
                  "end": "2026-11-24T18:00:00+01:00", "free_seats": 8},
             ]},
            {"id": world.office.pk, "name": "Bureau fermé", "kind": "private_office",
             "seats": 1, "booking_unit": "half_day", "slots": []},
        ],
    }


def test_availability_of_a_closed_day(api, world):
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=TUESDAY, end_date=TUESDAY, reason="travaux")
    body = api.get("/api/v1/networks/vercors/sites/autrans/availability",
                   {"date": "2026-11-24"}).json()
    assert (body["is_open"], body["hours"], body["closure_reason"]) == (False, [], "travaux")
    assert [r["slots"] for r in body["resources"]] == [[], [], []]


def test_availability_needs_a_valid_date(api):
    response = api.get("/api/v1/networks/vercors/sites/autrans/availability",
                       {"date": "24/11/2026"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["message"] == "La requête est invalide (voir details.errors)."
    assert [e["field"] for e in body["error"]["details"]["errors"]] == ["date"]
    response = api.get("/api/v1/networks/vercors/sites/autrans/availability")
    assert response.status_code == 400


def test_availability_of_an_unknown_or_foreign_site_is_404(api, keys):
    not_found = {"error": {"code": "not_found", "message": "Lieu introuvable.", "details": {}}}
    response = api.get("/api/v1/networks/vercors/sites/auch/availability", {"date": "2026-11-24"})
    assert (response.status_code, response.json()) == (404, not_found)
    response = api.get("/api/v1/networks/gers/sites/auch/availability", {"date": "2026-11-24"})
    assert response.status_code == 404
