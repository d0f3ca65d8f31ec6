"""A visitor with no account finds a place near Lans-en-Vercors, books a half-day desk as a
guest, confirms by the e-mail link, and the concierge sees the booking on the day board.
axe-core (npm, tests/directory/vendor/axe-core, MPL-2.0) checks the public pages."""

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking
from territory.models import Commune
from tests import factories as f
from tests.browser.conftest import field, log_in
from tests.directory.conftest import COMMUNES

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
AXE = Path(__file__).resolve().parents[1] / "directory" / "vendor" / "axe-core" / "axe.min.js"
GUEST = "alex.invite@example.org"


def booking_day() -> dt.date:
    return dt.datetime.now(PARIS).date() + dt.timedelta(days=3)


@pytest.fixture
def vercors(transactional_db, settings):
    settings.MAP_TILE_URL = ""  # no tile server in tests: markers only
    for code, name, postcodes, pop, lat, lon, dep in COMMUNES:
        Commune.objects.create(insee_code=code, name=name, postcodes=postcodes, population=pop,
                               latitude=lat, longitude=lon, department=dep)
    network = f.make_network("vercors", "Réseau Vercors")
    site = f.make_site(network, "autrans", "Autrans", weekdays=range(7), has_visio=True,
                       description="Huit postes sous les toits de la mairie.")
    f.make_resource(site, "open_space", seats=8, name="Open space Autrans")
    villard = f.make_site(network, "villard", "Villard-de-Lans", weekdays=range(7),
                          city="Villard-de-Lans", insee_code="38548")
    f.make_resource(villard, "open_space", seats=5, name="Open space Villard")
    gers = f.make_network("gers", "Réseau Gers")
    f.make_site(gers, "auch", "Auch", city="Auch", postcode="32000", insee_code="32013")
    concierge = f.make_concierge(site, user=f.make_user("accueil.autrans@example.org"))
    return network, site, concierge


def check_accessibility(page):
    """No serious or critical axe-core violation on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


def test_visitor_finds_a_place_books_as_a_guest_and_the_concierge_sees_it(new_page, vercors):
    network, site, concierge = vercors
    day = booking_day()
    page = new_page()

    # Search "Lans": places of every network, nearest first, with minutes by car.
    page.goto("/lieux/")
    check_accessibility(page)
    page.get_by_label("Commune ou code postal").fill("Lans")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator(".origin")).to_contain_text("depuis Lans-en-Vercors")
    places = page.locator("li.place")
    expect(places).to_have_count(3)
    expect(places.nth(0)).to_contain_text("Autrans")
    expect(places.nth(0)).to_contain_text("10 min")
    expect(places.nth(1)).to_contain_text("Villard-de-Lans")
    expect(places.nth(1)).to_contain_text("11 min")
    expect(places.nth(2)).to_contain_text("Auch")
    minutes = [int(m) for m in re.findall(r"(\d+) min", " ".join(
        places.locator(".minutes").all_inner_texts()))]
    assert minutes == sorted(minutes)
    # The map enhances the list: visible with one marker per located place.
    expect(page.locator("#directory-map")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(3)
    check_accessibility(page)

    # Filter: videoconference.
    page.get_by_label("visioconférence").check()
    page.get_by_role("button", name="Filtrer").click()
    expect(places).to_have_count(1)
    expect(places.first).to_contain_text("Autrans")

    # The place's page, then a guest half-day booking.
    places.first.get_by_role("link", name="Autrans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autrans")
    expect(page.locator("main")).to_contain_text("Huit postes sous les toits")
    check_accessibility(page)
    page.get_by_label(field("Espace")).select_option(label="Open space Autrans")
    page.get_by_label(field("Date")).fill(day.isoformat())
    page.get_by_label(field("Créneau")).select_option(label="matin")
    page.get_by_label(field("Votre nom")).fill("Alex Invité")
    page.get_by_label(field("Votre e-mail")).fill(GUEST)
    page.get_by_role("button", name="Demander la réservation").click()
    expect(page.locator("main")).to_contain_text(f"ouvrez le lien envoyé à {GUEST}")
    assert Booking.objects.count() == 0

    # The e-mail link, then the confirmation button.
    assert [m.to for m in mail.outbox] == [[GUEST]]
    link = re.search(r"https?://\S+/lieux/confirmation/\S+/", mail.outbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    check_accessibility(page)
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(page.locator(".message")).to_contain_text("Réservation confirmée")
    booking = Booking.objects.get()
    assert (booking.member, booking.guest_email, booking.source) == (None, GUEST, "web")

    # The concierge's board for that day shows the guest.
    desk = new_page()
    log_in(desk, concierge.user.email)
    desk.goto(f"/r/{network.slug}/accueil/?lieu={site.slug}&date={day.isoformat()}")
    expect(desk.locator("main")).to_contain_text("Alex Invité")
