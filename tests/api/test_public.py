"""The public directory API: no credential, all networks, filters, pagination, errors."""

import datetime as dt

import pytest

from territory.models import Commune
from tests.conftest import NOW
from tests.directory.conftest import COMMUNES

PLACES = "/api/v1/places"
TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def communes(db):
    for code, name, postcodes, pop, lat, lon, dep in COMMUNES:
        Commune.objects.create(insee_code=code, name=name, postcodes=postcodes, population=pop,
                               latitude=lat, longitude=lon, department=dep)


def ids(response):
    return [item["id"] for item in response.json()["items"]]


def test_places_are_public_nearest_first_with_open_data_fields(client, world, communes,
                                                                pinned_now):
    world.site.has_visio = True
    world.site.save()

    response = client.get(PLACES, {"commune": "38205"})  # Lans-en-Vercors, no credential

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 50, 0)
    assert ids(response) == ["vercors/autrans", "vercors/villard", "gers/auch"]
    autrans = body["items"][0]
    assert {k: autrans[k] for k in ("name", "network", "network_name", "insee_code",
                                    "latitude", "longitude", "services", "opening_hours")} == {
        "name": "Autrans", "network": "vercors", "network_name": "Réseau Vercors",
        "insee_code": "38021", "latitude": 45.1753, "longitude": 5.5436,
        "services": ["bureau", "salle", "visio"], "opening_hours": "Mo-Fr 09:00-18:00"}
    assert autrans["booking_url"].endswith("/lieux/vercors/autrans/")
    assert 5 < autrans["minutes"] < body["items"][1]["minutes"] < 30
    assert body["items"][2]["minutes"] > 400  # Auch


def test_places_filters_minutes_radius_network_services(client, world, communes, pinned_now):
    world.other_site.has_visio = True
    world.other_site.save()
    assert ids(client.get(PLACES, {"commune": "38205", "minutes": 30})) == [
        "vercors/autrans", "vercors/villard"]
    assert ids(client.get(PLACES, {"commune": "38205", "radius_km": 8.5})) == ["vercors/autrans"]
    assert ids(client.get(PLACES, {"network": "gers"})) == ["gers/auch"]
    assert ids(client.get(PLACES, {"services": "visio"})) == ["vercors/villard"]
    assert ids(client.get(PLACES, {"services": ["salle", "bureau"]})) == ["vercors/autrans"]


def test_places_near_a_point_and_pagination(client, world, communes, pinned_now):
    response = client.get(PLACES, {"lat": 43.65, "lon": 0.59, "limit": 1, "offset": 1})
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 1, 1)
    assert ids(response) == ["vercors/villard"]  # Auch, Villard, then Autrans further north
    assert client.get(PLACES, {"lat": 43.65, "lon": 0.59}).json()["items"][0]["minutes"] < 5


def test_open_now_reads_each_network_time_zone(client, world, communes, pinned_now):
    # 08:00 in Paris, before the 09:00 opening; 11:00 in La Réunion, open.
    world.network_b.timezone = "Indian/Reunion"
    world.network_b.save()
    assert NOW.hour == 8
    assert ids(client.get(PLACES, {"open_now": "true"})) == ["gers/auch"]


@pytest.mark.parametrize("params, field", [
    ({"lat": 45.1}, "lon"),
    ({"lat": 95, "lon": 5}, "lat"),
    ({"commune": "38205", "lat": 45.1, "lon": 5.5}, "commune"),
    ({"minutes": 20}, "minutes"),
    ({"services": "piscine"}, "services"),
    ({"limit": 0}, "limit"),
    ({"commune": "lans"}, "commune"),
])
def test_invalid_place_queries_get_the_error_shape(client, world, communes, params, field):
    response = client.get(PLACES, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [e["field"] for e in error["details"]["errors"]] == [field]


def test_unknown_commune_is_404(client, world, communes):
    response = client.get(PLACES, {"commune": "99999"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_public_availability_leaves_out_members_only_resources(client, world, pinned_now):
    world.room.members_only = True
    world.room.save()
    response = client.get(f"{PLACES}/vercors/autrans/availability", {"date": "2026-11-24"})
    assert response.status_code == 200
    body = response.json()
    assert (body["site"], body["is_open"]) == ("autrans", True)
    assert [r["name"] for r in body["resources"]] == ["Open space Autrans", "Bureau fermé"]
    desks = body["resources"][0]["slots"]
    assert [(s["slot"], s["free_seats"]) for s in desks] == [("morning", 8), ("afternoon", 8)]


def test_public_availability_of_an_inactive_or_unknown_place_is_404(client, world):
    world.site.is_active = False
    world.site.save()
    for url in (f"{PLACES}/vercors/autrans/availability", f"{PLACES}/vercors/nope/availability",
                f"{PLACES}/gers/villard/availability"):
        response = client.get(url, {"date": "2026-11-24"})
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"


def test_public_places_query_count_does_not_grow(client, world, communes, pinned_now,
                                                 django_assert_max_num_queries):
    from tests import factories as f

    for _n in range(15):
        f.make_site(world.network, insee_code="38548")
    # origin 1, coordinates of places 1 + their communes 1, the page's sites 1 + communes 1,
    # hours 1, resource kinds 1, prices 1
    with django_assert_max_num_queries(8):
        response = client.get(PLACES, {"commune": "38205", "limit": 10})
    assert response.json()["count"] == 18


@pytest.mark.parametrize("date", ["0409-07-02", "2030-01-01", "2025-11-01"])
def test_availability_refuses_dates_out_of_range(client, api, world, pinned_now, date):
    # Found by schemathesis: year 409 gave local-mean-time offsets (+00:09:21), not RFC 3339.
    public = client.get(f"{PLACES}/vercors/autrans/availability", {"date": date})
    member = api.get("/api/v1/networks/vercors/sites/autrans/availability", {"date": date})
    for response in (public, member):
        assert response.status_code == 400
        assert response.json()["error"]["details"]["errors"][0]["field"] == "date"


@pytest.mark.parametrize("url", [
    "/api/v1/places?network=%00", "/api/v1/networks/%00/sites",
    "/api/v1/networks/vercors/bookings?site=a%00b",
])
def test_nul_characters_are_a_400_in_the_error_shape(api, world, url):
    # Found by schemathesis on PostgreSQL: a NUL reaching a query was a 500.
    response = api.get(url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_nul_in_a_json_body_is_refused(api, world):
    from bookings.models import Booking

    response = api.post("/api/v1/networks/vercors/bookings",
                        {"resource_id": world.desks.pk, "date": "2026-11-24", "slot": "morning",
                         "note": "a\x00b"})
    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_nul_in_a_page_query_is_a_plain_400(client, db):
    assert client.get("/lieux/?q=%00").status_code == 400
