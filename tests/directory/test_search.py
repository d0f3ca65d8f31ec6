import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.services import book_resource
from places.models import OpeningException, ResourceBlock
from tests import factories as f
from tests.conftest import NOW, local

SEARCH = reverse("directory_search")
TUESDAY = dt.date(2026, 11, 24)


def names(response):
    return [p.site.name for p in response.context["places"]]


def test_search_sorts_all_networks_by_minutes_by_car(client, world, communes, frozen):
    response = client.get(SEARCH, {"q": "lans"})
    assert response.status_code == 200
    assert response.context["origin"].insee_code == "38205"  # Lans-en-Vercors first
    places = response.context["places"]
    assert [p.site.name for p in places] == ["Autrans", "Villard-de-Lans", "Auch"]
    # Lans -> Autrans: 6.31 km straight, ×1.3 detour = 8.20 road km, at 30 + 35×8.20/15 km/h.
    assert (round(places[0].km, 2), round(places[0].minutes, 2)) == (8.20, 10.01)
    assert (round(places[1].km, 2), round(places[1].minutes, 2)) == (9.03, 10.61)
    assert places[2].minutes > 500  # Auch, another network, far away but listed
    body = response.content.decode()
    assert "10 min" in body and "8 km" in body and "11 min" in body and "Réseau Gers" in body


def test_search_forgives_accents_hyphens_and_takes_postcodes(client, world, communes, frozen):
    response = client.get(SEARCH, {"q": "st nizier"})
    assert response.context["origin"].name == "Saint-Nizier-du-Moucherotte"
    response = client.get(SEARCH, {"q": "38880"})
    assert response.context["origin"].name == "Autrans"
    assert names(response)[0] == "Autrans"
    assert round(response.context["places"][0].minutes) == 0


def test_other_matching_communes_are_offered_and_an_insee_code_wins(client, world, communes,
                                                                    frozen):
    response = client.get(SEARCH, {"q": "38250"})
    assert response.context["origin"].name == "Villard-de-Lans"  # most populated
    assert {c.name for c in response.context["others"]} == {"Lans-en-Vercors",
                                                           "Saint-Nizier-du-Moucherotte"}
    response = client.get(SEARCH, {"q": "38250", "commune": "38185"})
    assert response.context["origin"].name == "Grenoble"


def test_unknown_commune_lists_every_place_by_name(client, world, communes, frozen):
    response = client.get(SEARCH, {"q": "zzz"})
    assert response.context["origin"] is None
    assert names(response) == ["Auch", "Autrans", "Villard-de-Lans"]
    assert "Aucune commune ne correspond" in response.content.decode()


def test_filter_by_services(client, world, communes, frozen):
    world.site.has_visio = True
    world.site.save()
    assert names(client.get(SEARCH, {"q": "lans", "services": "visio"})) == ["Autrans"]
    # A meeting room is a resource of the site, not a flag.
    assert names(client.get(SEARCH, {"q": "lans", "services": "salle"})) == ["Autrans"]
    assert names(client.get(SEARCH, {"q": "lans", "services": ["visio", "parking"]})) == []


def test_filter_open_now_and_open_on_a_date(client, world, communes, frozen):
    # Monday 08:00: every place opens at 9:00.
    assert names(client.get(SEARCH, {"q": "lans", "ouvert": "on"})) == []
    OpeningException.objects.create(network=world.network, site=world.site, start_date=TUESDAY,
                                    end_date=TUESDAY, reason="inventaire")
    response = client.get(SEARCH, {"q": "lans", "date": TUESDAY.isoformat()})
    assert names(response) == ["Villard-de-Lans", "Auch"]  # Autrans closed that day
    saturday = dt.date(2026, 11, 28)
    assert names(client.get(SEARCH, {"q": "lans", "date": saturday.isoformat()})) == []


def test_open_now_during_opening_hours(client, world, communes, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: local(TUESDAY, 10))
    assert names(client.get(SEARCH, {"q": "lans", "ouvert": "on"})) == [
        "Autrans", "Villard-de-Lans", "Auch"]


def test_filter_free_desk_on_a_half_day(client, world, communes, frozen):
    villard_desks = world.other_site.resources.get()
    for n in range(5):  # Villard's 5 seats taken on Tuesday morning
        book_resource(None, villard_desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                      actor=None, now=NOW, guest_email=f"g{n}@example.org")
    ResourceBlock.objects.create(network=world.network_b, resource=world.site_b.resources.get(),
                                 start=local(TUESDAY, 8), end=local(TUESDAY, 20))
    params = {"q": "lans", "poste_date": TUESDAY.isoformat(), "poste_creneau": "morning"}
    response = client.get(SEARCH, params)
    assert [(p.site.name, p.free_desks) for p in response.context["places"]] == [("Autrans", 8)]
    assert "8 postes libres" in response.content.decode()
    params["poste_creneau"] = "afternoon"
    assert [(p.site.name, p.free_desks) for p in client.get(SEARCH, params).context["places"]] \
        == [("Autrans", 8), ("Villard-de-Lans", 5)]


def test_inactive_places_are_not_listed(client, world, communes, frozen):
    world.other_site.is_active = False
    world.other_site.save()
    assert names(client.get(SEARCH, {"q": "lans"})) == ["Autrans", "Auch"]
    url = reverse("directory_place", args=[world.network.slug, world.other_site.slug])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("extra_places", [0, 12])
def test_search_query_count_does_not_grow_with_places(client, world, communes, frozen,
                                                      extra_places):
    for n in range(extra_places):
        network = world.network if n % 2 else world.network_b
        site = f.make_site(network, insee_code="38548" if n % 3 else "38453", has_visio=True)
        f.make_resource(site, "open_space", seats=3)
        f.make_resource(site, "meeting_room")
    params = {"q": "lans", "services": ["visio", "salle"], "ouvert": "", "date":
              TUESDAY.isoformat(), "poste_date": TUESDAY.isoformat(), "poste_creneau": "day"}
    client.get(SEARCH, params)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert len(response.context["places"]) == extra_places
    # communes search 1, coordinates of the sites 1 + of their communes 1, sites 1,
    # hours+exceptions 2 (date) + 2 (desk date), desks 1, bookings 1, blocks 1, communes of
    # the places 1.
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_commune_suggestions_json(client, communes):
    data = client.get(reverse("directory_communes"), {"q": "villard de"}).json()
    assert data["results"][0] == {"insee": "38548", "name": "Villard-de-Lans",
                                  "postcodes": ["38250"], "label": "Villard-de-Lans (38)"}


@pytest.mark.parametrize("extra", [0, 10])
def test_place_page_query_count_does_not_grow(client, world, communes, frozen, extra):
    for n in range(extra):
        f.make_resource(world.site, "open_space", seats=2, name=f"Espace {n}")
        OpeningException.objects.create(network=world.network, site=world.site,
                                        start_date=TUESDAY + dt.timedelta(days=n),
                                        end_date=TUESDAY + dt.timedelta(days=n))
    url = reverse("directory_place", args=[world.network.slug, world.site.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # site, resources, hours, closures, commune of the place, prices 5 (VAT regime, unit
    # prices, passes, subscriptions, membership fees) (+ session/auth overhead).
    assert len(queries) <= 11, [q["sql"] for q in queries.captured_queries]
