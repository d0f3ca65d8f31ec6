""""Près de moi" with the browser's real geolocation API (a fixed position granted to the
browser context), and the embeddable widget framed by a page of another origin."""

import datetime as dt
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from bookings.services import book_resource
from tests.browser.conftest import DESKTOP
from tests.browser.test_directory import PARIS, check_accessibility, vercors  # noqa: F401

NEAR_AUCH = {"latitude": 43.6500, "longitude": 0.5900}


def test_near_me_sorts_places_by_minutes_from_the_browsers_position(new_page, vercors):  # noqa: F811
    page = new_page({**DESKTOP, "geolocation": NEAR_AUCH, "permissions": ["geolocation"]})
    page.goto("/lieux/")
    near = page.get_by_role("button", name="Près de moi")
    expect(near).to_be_visible()  # shown only when JavaScript and geolocation exist
    near.click()
    page.wait_for_url(re.compile(r"lat=43\.65000&lon=0\.59000"))
    expect(page.locator(".origin")).to_have_text(
        "Temps de trajet estimé en voiture depuis votre position.")
    places = page.locator("li.place")
    expect(places).to_have_count(3)
    # Auch is 3 km away, the Vercors places more than 500 km: nearest first, by minutes.
    expect(places.nth(0)).to_contain_text("Auch")
    minutes = [int(re.search(r"(\d+) min", text).group(1))
               for text in places.locator(".minutes").all_inner_texts()]
    assert minutes[0] < 10 and minutes[1] > 300 and minutes == sorted(minutes)
    check_accessibility(page)


def test_near_me_without_permission_keeps_the_list(new_page, vercors):  # noqa: F811
    page = new_page({**DESKTOP, "permissions": []})  # the visitor refuses
    page.goto("/lieux/")
    page.get_by_role("button", name="Près de moi").click()
    expect(page.get_by_role("button", name="Près de moi")).to_be_disabled()
    assert "lat=" not in page.url
    expect(page.locator("li.place")).to_have_count(3)  # every place, by name


@pytest.fixture
def other_site():
    """A website of another origin (127.0.0.1 on its own port, the live server is
    localhost:<port>) that pastes the widget's snippet, and a page framing /lieux/ too."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_widget_shows_the_places_and_their_availability_inside_another_site(
        new_page, vercors, live_server, other_site):  # noqa: F811
    network, site, _ = vercors
    origin, pages = other_site
    assert not live_server.url.startswith(origin)
    # Three of Autrans' eight seats taken this morning.
    today = dt.datetime.now(PARIS).date()
    desks = site.resources.get()
    start = dt.datetime.combine(today, dt.time(9), tzinfo=PARIS)
    book_resource(None, desks, start=start, end=start.replace(hour=13), seats=3, actor=None,
                  now=start - dt.timedelta(hours=9), guest_email="g@example.org")
    # The snippet of directory/README.md, pointing at our live server.
    pages["/tiers-lieux.html"] = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Communauté de communes</title></head><body><h1>Nos tiers-lieux</h1>
<iframe src="{live_server.url}/lieux/widget/?network={network.slug}"
        title="Tiers-lieux du Vercors" width="100%" height="420"
        style="border:0" loading="lazy"></iframe></body></html>"""
    page = new_page()
    page.goto(f"{origin}/tiers-lieux.html")
    widget = page.frame_locator("iframe[title='Tiers-lieux du Vercors']")
    items = widget.locator("li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Autrans")
    expect(items.nth(0)).to_contain_text("5 postes libres le matin")
    expect(items.nth(0)).to_contain_text("8 l'après-midi")
    expect(items.nth(1)).to_contain_text("Villard-de-Lans")
    expect(items.nth(1)).to_contain_text("5 postes libres le matin")
    # Links open our page in a new tab, never inside the other site's frame.
    link = items.nth(0).get_by_role("link", name="Autrans")
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    place = opened.value
    place.wait_for_load_state()
    assert place.url == f"{live_server.url}/lieux/{network.slug}/{site.slug}/"
    expect(place.get_by_role("heading", level=1)).to_have_text("Autrans")


def test_other_pages_refuse_to_be_framed(new_page, vercors, live_server, other_site):  # noqa: F811
    origin, pages = other_site
    pages["/cadre.html"] = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Cadre</title></head><body><iframe src="{live_server.url}/lieux/" title="Annuaire">
</iframe></body></html>"""
    page = new_page()
    with page.expect_response(re.compile(r"/lieux/$")) as response:
        page.goto(f"{origin}/cadre.html")
    assert response.value.headers["x-frame-options"] == "DENY"
    # Chromium replaces a refused frame by its error page: none of our page is in it.
    framed = [f for f in page.frames if f != page.main_frame]
    assert len(framed) == 1
    expect(page.locator("iframe[title='Annuaire']")).to_be_attached()
    page.wait_for_function("() => document.readyState === 'complete'")
    assert framed[0].url.startswith("chrome-error://"), framed[0].url
