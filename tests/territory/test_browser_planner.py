"""Browser test of issue 6: a coordinator of the Vercors network asks where to open 2 new
places within 10 minutes (Isère), watches the progress and reads the map, the table and the
bound. Debian's Chromium through Playwright, like tests/browser.

Playwright allows one sync instance per thread and tests/browser/conftest.py keeps its own for
the whole session; its fixtures are not visible from this folder, so this module reuses that
browser when it is already running and otherwise starts (and stops) its own.
"""

import gc
import os

import pytest
from playwright.sync_api import expect

from territory import tasks
from territory.importers import load_shipped_communes
from territory.models import PlanningRun, RunStatus
from territory.services import execute_planning_run
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, field, log_in

pytestmark = pytest.mark.browser


def _running_browser():
    from playwright.sync_api import Browser

    # type(), not isinstance(): isinstance reads __class__, which evaluates Django's lazy
    # objects (a request's session) left by earlier tests, outside any database access.
    return next((o for o in gc.get_objects()
                 if issubclass(type(o), Browser) and o.is_connected()), None)


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    shared = _running_browser()
    if shared is not None:
        yield shared
        return
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium, live_server, transactional_db):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                   base_url=live_server.url, **DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_coordinator_plans_two_new_places(page, world, monkeypatch, settings):
    settings.MAP_TILE_URL = ""  # no tile server from the tests
    load_shipped_communes()
    # Hold the background task so the page shows the run waiting; the test plays the worker.
    monkeypatch.setattr(tasks, "run_planning", lambda run_id: None)
    log_in(page, world.coordinator.user.email)
    page.goto(f"/r/{world.network.slug}/territoire/")
    page.get_by_label(field("Question")).select_option("max_coverage")
    page.get_by_label(field("Périmètre")).select_option("department")
    page.get_by_label(field("Temps de trajet maximal (minutes)")).fill("10")
    page.get_by_label(field("Nombre de nouveaux lieux")).fill("2")
    page.get_by_role("button", name="Lancer le calcul").click()

    expect(page.get_by_text("Calcul en cours")).to_be_visible()
    expect(page.locator("progress#progress-bar")).to_be_visible()
    run = PlanningRun.objects.get(network=world.network)
    assert run.status == RunStatus.PENDING and run.parameters["new_places"] == 2

    execute_planning_run(run.pk)  # the worker; the page polls and reloads by itself
    expect(page.get_by_role("heading", name="Proposition")).to_be_visible()
    run.refresh_from_db()
    plan = run.result["plan"]
    message = page.locator(".plan-message")
    expect(message).to_have_text(plan["message"])
    assert "Plan optimal (prouvé)" in plan["message"] or "borne prouvée" in plan["message"]
    table = page.locator("table", has_text="Nouveaux lieux proposés")
    expect(table.locator("tbody tr")).to_have_count(2)
    for place in plan["new_places"]:
        expect(table).to_contain_text(place["name"])
    # Leaflet (our static files) replaces the SVG map on screen: markers for the communes, the
    # two sites and the two proposed places; the SVG stays in the page for print and no-JS.
    leaflet = page.locator("#territory-leaflet")
    expect(leaflet).to_be_visible()
    communes = len(run.result["map"]["communes"])
    expect(leaflet.locator("path.leaflet-interactive")).to_have_count(communes + 4)
    svg = page.locator("svg.territory-map")
    expect(svg).to_be_hidden()
    expect(svg.locator("polygon.new-place")).to_have_count(2)
    expect(svg.locator("rect.place")).to_have_count(2)
