"""Census places (ANCT file, territory.ExternalPlace) are not listed again when they are one of
our places: same commune and same normalised name, or less than 150 m from a place's own
coordinates. Different places of the same commune stay listed."""

import itertools

import pytest

from directory.selectors import normalised_name
from territory.models import ExternalPlace
from tests import factories as f
from tests.directory.test_search import SEARCH

CREDIT = "ANCT (ex-CGET), base des tiers-lieux 2019, Licence Ouverte 2.0"
_ids = itertools.count(1)


def census(name, lat, lon, insee="38021"):
    return ExternalPlace.objects.create(source="anct-2019", source_id=str(next(_ids)),
                                        credit=CREDIT,
                                        name=name, city="Autrans", insee_code=insee,
                                        latitude=lat, longitude=lon)


def census_names(client):
    return [c["name"] for c in client.get(SEARCH, {"q": "lans"}).context["census"]]


@pytest.mark.parametrize("name, expected", [
    ("Le Tiers-Lieu de l'Étable", "etable"),
    ("La Cordée – Co-working", "cordee"),
    ("AUTRANS", "autrans"),
    ("Espace coworking d'Autrans", "autrans"),
    ("Le Tiers-Lieu", "le tiers lieu"),  # nothing but generic words: kept whole
])
def test_normalised_name(name, expected):
    assert normalised_name(name) == expected


def test_same_commune_and_same_name_is_the_same_place(client, world, communes, frozen):
    # Autrans (ours) has no coordinates of its own: matched by commune + name only.
    census("Espace coworking d'Autrans", 45.1790, 5.5500)  # 640 m from the commune's centre
    census("La Fruitière numérique", 45.1760, 5.5440)  # same commune, another place
    census("Autrans", 45.1283, 5.5886, insee="38205")  # same name, another commune (Lans)
    assert census_names(client) == ["Autrans", "La Fruitière numérique"]


def test_within_150_metres_of_our_place_is_the_same_place(client, world, communes, frozen):
    world.site.latitude, world.site.longitude = "45.175300", "5.543600"
    world.site.save()
    census("Maison des services", 45.1753 + 0.0010, 5.5436)  # 111 m north, another name
    census("Le Hangar", 45.1753 + 0.0016, 5.5436)  # 178 m north: another place
    census("Atelier partagé", 45.1753, 5.5436 + 0.0030, insee="38021")  # 236 m east
    assert census_names(client) == ["Atelier partagé", "Le Hangar"]


def test_inactive_places_do_not_hide_census_places(client, world, communes, frozen):
    world.site.is_active = False
    world.site.save()
    census("Autrans", 45.1753, 5.5436)
    assert census_names(client) == ["Autrans"]


def test_a_place_of_another_commune_nearby_still_matches_by_distance(client, world, communes,
                                                                     frozen):
    # The census file may name a neighbouring commune: 150 m wins whatever the INSEE code.
    site = f.make_site(world.network, "col", "Col de la Croix-Perrin", insee_code="38205",
                       latitude="45.150000", longitude="5.560000")
    census("Refuge numérique", 45.1505, 5.5605, insee="38021")  # 68 m
    census("Col de la Croix-Perrin", 45.1600, 5.5700, insee="38021")  # 1.3 km, other commune
    assert census_names(client) == ["Col de la Croix-Perrin"]
    assert site.name == "Col de la Croix-Perrin"
