""""Open now" in SQL (uncorrelated sub-queries, each network in its own time zone) agrees with
the places' schedules (places.schedule.SiteSchedule) hour by hour over a week, with closures,
special hours and a network in La Réunion (UTC+4)."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import selectors
from places.models import OpeningException
from places.schedule import SiteSchedule
from tests import factories as f
from tests.conftest import PARIS
from tests.directory.test_search import SEARCH, TUESDAY, names

REUNION = zoneinfo.ZoneInfo("Indian/Reunion")


@pytest.fixture
def week(world):
    """Autrans closed on Tuesday; Villard with special evening hours on Wednesday; Auch's
    network in La Réunion, open 09:00–12:00 there (06:00–09:00 in Paris)."""
    world.network_b.timezone = "Indian/Reunion"
    world.network_b.save()
    world.site_b.opening_hours.update(opens=dt.time(9), closes=dt.time(12))
    OpeningException.objects.create(network=world.network, site=world.site, start_date=TUESDAY,
                                    end_date=TUESDAY, reason="inventaire")
    wednesday = TUESDAY + dt.timedelta(days=1)
    OpeningException.objects.create(network=world.network, site=world.other_site,
                                    start_date=wednesday, end_date=wednesday, closed=False,
                                    opens=dt.time(19), closes=dt.time(22))
    # Overlapping exceptions on Thursday, the closure first: closed.
    thursday = TUESDAY + dt.timedelta(days=2)
    OpeningException.objects.create(network=world.network, site=world.other_site,
                                    start_date=thursday, end_date=thursday, reason="travaux")
    OpeningException.objects.create(network=world.network, site=world.other_site,
                                    start_date=thursday, end_date=thursday + dt.timedelta(days=1),
                                    closed=False, opens=dt.time(8), closes=dt.time(10))
    return world


def expected_open(sites, moment: dt.datetime) -> set[str]:
    out = set()
    for site in sites:
        local = moment.astimezone(site.network.tz)
        day = SiteSchedule.for_day(site, local.date()).day(local.date())
        if any(a <= local.time() < b for a, b in day.intervals):
            out.add(site.name)
    return out


def test_open_now_matches_the_schedules_hour_by_hour(week):
    sites = list(selectors.public_sites())
    start = dt.datetime.combine(TUESDAY - dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    seen_open = set()
    for hour in range(0, 24 * 6):
        moment = start + dt.timedelta(hours=hour, minutes=30)
        found = {p.site.name for p in selectors.search(
            filters=selectors.Filters(open_now=True), now=moment).places}
        assert found == expected_open(sites, moment), moment
        seen_open |= found
    assert seen_open == {"Autrans", "Villard-de-Lans", "Auch"}


def test_open_now_in_each_network_time_zone(client, week, communes, monkeypatch):
    from django.utils import timezone

    # Monday 07:30 in Paris = 10:30 in La Réunion: only Auch's (Réunion) network is open.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 23, 7, 30,
                                                             tzinfo=PARIS))
    assert names(client.get(SEARCH, {"q": "lans", "ouvert": "on"})) == ["Auch"]
    # Tuesday 10:00 in Paris: Autrans is closed that day, Auch closed at 12:00 Réunion time.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 24, 10, tzinfo=PARIS))
    assert names(client.get(SEARCH, {"q": "lans", "ouvert": "on"})) == ["Villard-de-Lans"]
    # Wednesday 20:00: only Villard's special evening hours.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 25, 20, tzinfo=PARIS))
    assert names(client.get(SEARCH, {"q": "lans", "ouvert": "on"})) == ["Villard-de-Lans"]


def test_open_now_costs_a_fixed_number_of_queries(client, world, communes, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 24, 10, tzinfo=PARIS))

    def count():
        client.get(SEARCH, {"q": "lans", "ouvert": "on"})
        with CaptureQueriesContext(connection) as queries:
            client.get(SEARCH, {"q": "lans", "ouvert": "on"})
        return len(queries)

    before = count()
    for n in range(6):
        network = f.make_network(timezone="America/Cayenne" if n % 2 else "Europe/Paris")
        f.make_site(network, insee_code="38548")
    assert count() == before
