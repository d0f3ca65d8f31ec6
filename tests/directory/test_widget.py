"""The embeddable widget: framable by other sites (that view only), a network's places or those
near a commune, with today's free desks."""

import pytest

from bookings.services import book_resource
from tests.conftest import NOW, local

WIDGET = "/lieux/widget/"


def test_widget_lists_a_network_with_todays_free_desks(client, world, communes, frozen):
    book_resource(world.member, world.desks, start=local(NOW.date(), 9), end=local(NOW.date(), 13),
                  seats=3, actor=world.member.user, now=NOW)
    response = client.get(WIDGET, {"network": "vercors"})
    assert response.status_code == 200
    items = response.context["items"]
    assert [(i.place.site.name, i.open_today, i.free_morning, i.free_afternoon)
            for i in items] == [("Autrans", True, 5, 8), ("Villard-de-Lans", True, 5, 5)]
    body = response.content.decode()
    assert "5 postes libres le matin" in body and "Réseau Gers" not in body
    assert 'target="_blank"' in body and "/lieux/vercors/autrans/" in body
    assert "Se connecter" not in body  # nothing tied to the visitor's session


def test_widget_can_be_framed_but_other_pages_cannot(client, world, communes, frozen):
    assert "X-Frame-Options" not in client.get(WIDGET, {"network": "vercors"}).headers
    assert client.get("/lieux/").headers["X-Frame-Options"] == "DENY"
    assert client.get("/lieux/vercors/autrans/").headers["X-Frame-Options"] == "DENY"


def test_widget_near_a_commune_sorted_by_minutes(client, world, communes, frozen):
    response = client.get(WIDGET, {"commune": "38205", "minutes": 30})
    assert [i.place.site.name for i in response.context["items"]] == [
        "Autrans", "Villard-de-Lans"]  # Auch is far beyond 30 minutes
    assert "10 min en voiture" in response.content.decode()


def test_widget_of_a_closed_day(client, world, communes, monkeypatch):
    from django.utils import timezone

    sunday = NOW.replace(day=22, hour=10)
    monkeypatch.setattr(timezone, "now", lambda: sunday)
    response = client.get(WIDGET, {"network": "gers"})
    assert [(i.open_today, i.free_morning) for i in response.context["items"]] == [(False, 0)]
    assert "Fermé aujourd" in response.content.decode()


@pytest.mark.parametrize("params, status", [
    ({"network": "nulle-part"}, 404), ({"commune": "99999"}, 404), ({}, 200),
    ({"commune": "abc"}, 200), ({"network": "vercors", "limite": "50"}, 200),
])
def test_widget_refuses_bad_parameters(client, world, communes, frozen, params, status):
    response = client.get(WIDGET, params)
    assert response.status_code == status
    if status == 200:
        assert response.context["items"] == [] and response.context["form"].errors


def test_widget_query_count(client, world, communes, frozen, django_assert_max_num_queries):
    from tests import factories as f

    for n in range(8):
        f.make_resource(f.make_site(world.network, f"x{n}", f"X{n}"), "open_space", seats=2)
    client.get(WIDGET, {"network": "vercors"})
    # network check 1, count 1, page ids 1, sites 1, communes 1, hours + exceptions 2,
    # desks/bookings/blocks 3 × 2 slots, desk prices 2 (resource kinds, catalogue)
    with django_assert_max_num_queries(15):
        response = client.get(WIDGET, {"network": "vercors"})
    assert len(response.context["items"]) == 10
