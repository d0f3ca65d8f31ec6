"""Shared personas: network A (Vercors, two sites) with its member, concierge of site A1 and
coordinator; network B with its concierge; and an outsider who belongs to no network."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from tests import factories as f

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A fixed "now": Monday 23 November 2026, 08:00 in Paris.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


@dataclass
class World:
    network: object
    site: object
    other_site: object
    desks: object
    office: object
    room: object
    member: object
    concierge: object
    coordinator: object
    network_b: object
    site_b: object
    concierge_b: object
    outsider: object


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def world(db) -> World:
    network = f.make_network("vercors", "Réseau Vercors")
    site = f.make_site(network, "autrans", "Autrans")
    other_site = f.make_site(network, "villard", "Villard-de-Lans", city="Villard-de-Lans",
                             insee_code="38548")
    desks = f.make_resource(site, "open_space", seats=8, name="Open space Autrans")
    office = f.make_resource(site, "private_office", name="Bureau fermé")
    room = f.make_resource(site, "meeting_room", name="Salle de réunion", capacity=6)
    f.make_resource(other_site, "open_space", seats=5, name="Open space Villard")
    member = f.make_member(network, f.make_user("membre@example.org", first_name="Camille",
                                                last_name="Martin"))
    concierge = f.make_concierge(site, user=f.make_user("accueil@example.org"))
    coordinator = f.make_coordinator(network, user=f.make_user("coordination@example.org"))
    network_b = f.make_network("gers", "Réseau Gers")
    site_b = f.make_site(network_b, "auch", "Auch", city="Auch", postcode="32000",
                         insee_code="32013")
    f.make_resource(site_b, "open_space", seats=4)
    concierge_b = f.make_concierge(site_b, user=f.make_user("accueil-gers@example.org"))
    outsider = f.make_user("inconnu@example.org")
    return World(network, site, other_site, desks, office, room, member, concierge,
                 coordinator, network_b, site_b, concierge_b, outsider)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
