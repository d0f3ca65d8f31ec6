"""Interactive map over the SVG map, and the summary as a PDF made in the background."""

import json
import re

import pytest

from core.models import AuditLog
from territory.models import PlanningRun, RunStatus
from territory.pdf import summary_document
from territory.services import execute_planning_run
from tests.conftest import NOW
from tests.territory.test_pages import ASK, url, vercors  # noqa: F401 - fixture


@pytest.fixture
def done_run(vercors):  # noqa: F811
    run = PlanningRun.objects.create(network=vercors.network, created_at=NOW,
                                     kind="max_coverage", parameters={**ASK, "kind": None})
    execute_planning_run(run.pk)
    run.refresh_from_db()
    return run


def test_run_page_offers_leaflet_over_the_svg_map(client, vercors, done_run, settings):  # noqa: F811
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    client.force_login(vercors.coordinator.user)
    page = client.get(url(vercors, "territory_run", run_id=done_run.pk)).content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/territory/map.js" in page
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert page.count("<circle ") == 4  # the SVG map stays for no-JS and print
    data = json.loads(re.search(r'id="territory-map-data" type="application/json">(.*?)</script>',
                                page).group(1))
    assert sorted(c["name"] for c in data["communes"]) == [
        "Autrans-Méaudre en Vercors", "Lans-en-Vercors", "Saint-Nizier-du-Moucherotte",
        "Villard-de-Lans"]
    assert len(data["communes"]) == 4 and len(data["places"]) == 2
    assert len(data["new_places"]) == 1
    assert data["buckets"][0] == [8, "#1a9850"] and data["buckets"][-1][0] is None


def test_summary_pdf_is_made_in_the_background(client, vercors, done_run,  # noqa: F811
                                               django_capture_on_commit_callbacks):
    client.force_login(vercors.coordinator.user)
    pdf_url = url(vercors, "territory_run_summary_pdf", run_id=done_run.pk)
    assert client.get(pdf_url).status_code == 404  # not made yet
    page = client.get(url(vercors, "territory_run_summary", run_id=done_run.pk)).content.decode()
    assert "Préparer le PDF sur le serveur" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(pdf_url)
    assert response.status_code == 302
    done_run.refresh_from_db()
    assert done_run.summary_pdf_status == RunStatus.DONE
    assert AuditLog.objects.filter(action="territory.summary_pdf_requested").count() == 1
    response = client.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "Télécharger le PDF" in client.get(
        url(vercors, "territory_run_summary", run_id=done_run.pk)).content.decode()
    document = summary_document(done_run)
    assert len(document.pages) == 1  # one A4 page for the council


@pytest.mark.parametrize("who, status", [("member", 403), ("concierge", 403),
                                         ("outsider", 404)])
def test_summary_pdf_refused_to_others(client, vercors, done_run, who, status):  # noqa: F811
    person = getattr(vercors, who)
    client.force_login(getattr(person, "user", person))
    pdf_url = url(vercors, "territory_run_summary_pdf", run_id=done_run.pk)
    assert client.post(pdf_url).status_code == status
    done_run.refresh_from_db()
    assert done_run.summary_pdf_status == ""


def test_pdf_of_an_unfinished_run_is_refused(client, vercors):  # noqa: F811
    run = PlanningRun.objects.create(network=vercors.network, created_at=NOW,
                                     kind="coverage", parameters={}, status=RunStatus.RUNNING)
    client.force_login(vercors.coordinator.user)
    client.post(url(vercors, "territory_run_summary_pdf", run_id=run.pk))
    run.refresh_from_db()
    assert run.summary_pdf_status == "" and run.summary_pdf is None
