import csv
import io
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.opendata import CSV_COLUMNS, osm_opening_hours
from places.models import OpeningHours
from tests import factories as f


def _prepare(world):
    world.site.has_visio = True
    world.site.has_printer = True
    world.site.latitude, world.site.longitude = "45.175300", "5.543600"
    world.site.save()
    OpeningHours.objects.create(network=world.network, site=world.site, weekday=5,
                                opens="09:00", closes="12:00")


def test_geojson_follows_the_documented_schema(client, world, communes):
    _prepare(world)
    world.other_site.is_active = False
    world.other_site.save()
    response = client.get(reverse("directory_places_geojson"))
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    features = {feat["id"]: feat for feat in data["features"]}
    assert set(features) == {"vercors/autrans", "gers/auch"}  # inactive places left out
    autrans = features["vercors/autrans"]
    assert autrans["geometry"] == {"type": "Point", "coordinates": [5.5436, 45.1753]}
    assert autrans["properties"] == {
        "id": "vercors/autrans", "name": "Autrans", "network": "vercors",
        "network_name": "Réseau Vercors", "address": "1 place de la Mairie",
        "postcode": "38880", "city": "Autrans", "insee_code": "38021",
        "services": ["bureau", "imprimante", "salle", "visio"],
        "opening_hours": "Mo-Fr 09:00-18:00; Sa 09:00-12:00",
        "booking_url": "http://127.0.0.1:8000/lieux/vercors/autrans/",
        "email": "", "phone": "",
        "price_from": None, "price_basis": "", "prices": [],  # test_prices.py has some
    }
    # Auch has no coordinates of its own: its commune's centre.
    assert features["gers/auch"]["geometry"]["coordinates"] == [0.5855, 43.6465]


def test_csv_has_the_documented_columns(client, world, communes):
    _prepare(world)
    response = client.get(reverse("directory_places_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"vercors/autrans", "vercors/villard", "gers/auch"}
    autrans = by_id["vercors/autrans"]
    assert (autrans["latitude"], autrans["longitude"], autrans["insee_code"]) == (
        "45.1753", "5.5436", "38021")
    assert autrans["services"] == "bureau imprimante salle visio"
    assert autrans["opening_hours"] == "Mo-Fr 09:00-18:00; Sa 09:00-12:00"
    assert by_id["vercors/villard"]["booking_url"].endswith("/lieux/vercors/villard/")


def test_place_without_any_coordinates_has_a_null_geometry(client, world):
    data = json.loads(client.get(reverse("directory_places_geojson")).content)
    assert {feat["geometry"] is None for feat in data["features"]} == {True}
    rows = list(csv.DictReader(io.StringIO(client.get(
        reverse("directory_places_csv")).content.decode())))
    assert {r["latitude"] for r in rows} == {""}


def test_open_data_query_count_is_bounded(client, world, communes):
    for _ in range(10):
        f.make_resource(f.make_site(world.network), "meeting_room")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("directory_places_csv"))
    assert len(queries) == 5  # sites, communes, hours, resource kinds, prices


def test_osm_opening_hours_groups_days():
    class H:
        def __init__(self, weekday, opens, closes):
            import datetime as dt

            self.weekday = weekday
            self.opens = dt.time.fromisoformat(opens)
            self.closes = dt.time.fromisoformat(closes)

    hours = [H(d, "09:00", "12:00") for d in range(4)] + [H(d, "14:00", "18:00") for d in range(4)]
    hours += [H(4, "09:00", "17:00"), H(6, "10:00", "12:00")]
    assert osm_opening_hours(hours) == "Mo-Th 09:00-12:00,14:00-18:00; Fr 09:00-17:00; " \
                                       "Su 10:00-12:00"
    assert osm_opening_hours([H(5, "09:00", "12:00"), H(6, "09:00", "12:00")]) == \
        "Sa,Su 09:00-12:00"
    assert osm_opening_hours([]) == ""
