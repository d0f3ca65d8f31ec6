"""Search from the browser's position, census places beside ours, pages of results, and the
bounding-box ranking giving the same order as ranking everything."""

import datetime as dt

import pytest

from directory import selectors
from places.models import OpeningException
from territory.models import ExternalPlace
from tests import factories as f
from tests.directory.test_search import SEARCH, TUESDAY, names


def test_near_me_ranks_from_the_given_position(client, world, communes, frozen):
    response = client.get(SEARCH, {"lat": "43.65", "lon": "0.59"})  # near Auch
    assert response.status_code == 200
    assert names(response) == ["Auch", "Villard-de-Lans", "Autrans"]
    assert response.context["places"][0].minutes < 5
    assert "Temps de trajet estimé en voiture depuis votre position." in response.content.decode()


def test_a_typed_commune_wins_over_a_kept_position(client, world, communes, frozen):
    response = client.get(SEARCH, {"q": "lans", "lat": "43.65", "lon": "0.59"})
    assert response.context["origin"].insee_code == "38205"
    assert names(response)[0] == "Autrans"


@pytest.mark.parametrize("params", [
    {"lat": "91", "lon": "5"}, {"lat": "45", "lon": "-181"}, {"lat": "45"}, {"lat": "abc",
                                                                           "lon": "5"},
])
def test_invalid_positions_are_refused(client, world, communes, frozen, params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["places"] == []


def test_census_places_are_listed_apart_with_their_credit(client, world, communes, frozen):
    credit = "ANCT (ex-CGET), base des tiers-lieux 2019, Licence Ouverte 2.0"
    for n, (lat, lon) in enumerate([(45.13, 5.59), (45.19, 5.72), (43.65, 0.59)]):
        ExternalPlace.objects.create(source="anct-2019", source_id=str(n), credit=credit,
                                     name=f"Recensé {n}", city="X", latitude=lat,
                                     longitude=lon)
    response = client.get(SEARCH, {"q": "lans"})
    census = response.context["census"]
    assert [c["name"] for c in census] == ["Recensé 0", "Recensé 1"]  # Auch is > 30 min
    body = response.content.decode()
    assert "Autres tiers-lieux recensés" in body and credit in body
    # Not bookable: never among our places, and not shown with filters they cannot honour.
    assert "Recensé 0" not in names(response)
    assert client.get(SEARCH, {"q": "lans", "services": "visio"}).context["census"] == []


def test_results_come_twenty_a_page(client, world, communes, frozen):
    for n in range(22):
        f.make_site(world.network, f"lieu-{n:02d}", f"Lieu {n:02d}", insee_code="38453")
    first = client.get(SEARCH, {"q": "lans"})
    assert first.context["count"] == 25 and len(first.context["places"]) == 20
    assert first.context["next_url"] == "?q=lans&page=2"
    second = client.get(SEARCH + first.context["next_url"])
    assert len(second.context["places"]) == 5 and second.context["next_url"] is None
    seen = names(first) + names(second)
    assert len(set(seen)) == 25


def test_open_on_a_date_follows_exceptions(client, world, communes, frozen):
    OpeningException.objects.create(network=world.network, site=world.site, start_date=TUESDAY,
                                    end_date=TUESDAY, reason="inventaire")
    OpeningException.objects.create(network=world.network_b, site=world.site_b,
                                    start_date=dt.date(2026, 11, 28),
                                    end_date=dt.date(2026, 11, 28), closed=False,
                                    opens=dt.time(10), closes=dt.time(12))
    assert names(client.get(SEARCH, {"date": TUESDAY.isoformat()})) == ["Auch", "Villard-de-Lans"]
    assert names(client.get(SEARCH, {"date": "2026-11-28"})) == ["Auch"]  # a Saturday


def test_box_ranking_matches_ranking_everything(world, communes, now):
    """The widening bounding box must return the same nearest places as a full ranking."""
    import random

    rng = random.Random(5)
    communes["38453"].mountain = True  # mountain places rank behind nearer-in-km plain ones
    communes["38453"].save()
    for n in range(60):
        f.make_site(world.network, f"l{n}", f"L{n}", insee_code=("38185", "38453")[n % 2],
                    latitude=round(45.19 + rng.uniform(-3, 3), 5),
                    longitude=round(5.72 + rng.uniform(-3, 3), 5))
    origin = selectors.Origin(45.19, 5.72)
    filters = selectors.Filters()
    full = selectors.search(origin=origin, filters=filters, now=now)
    for limit, offset in [(5, 0), (20, 0), (10, 30)]:
        page = selectors.search(origin=origin, filters=filters, now=now, limit=limit,
                                offset=offset)
        assert page.count == full.count == 63
        assert [p.site.pk for p in page.places] == [
            p.site.pk for p in full.places[offset:offset + limit]]
