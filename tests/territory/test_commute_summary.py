"""The commute-avoided estimate on a run's one-page summary and its PDF, hand-computed."""

from decimal import Decimal

import pytest

from territory.models import Commune, CommutingFlow
from territory.pdf import summary_document
from territory.selectors import commute_for_run
from tests.conftest import NOW
from tests.territory.test_budget import at
from tests.territory.test_map_pdf import done_run  # noqa: F401 - fixture
from tests.territory.test_pages import url, vercors  # noqa: F401 - fixture


@pytest.fixture
def flows_run(vercors, done_run, settings):  # noqa: F811
    """A run whose counted place is 5 km along a meridian and whose proposed place is at
    48 km; homes at 0 and 60 km, work at 35 km. 1 km = 1 minute, no detour."""
    settings.TERRITORY_TRAVEL_MODEL = {"detour": 1.0, "speed_kmh": 60, "short_speed_kmh": 60,
                                       "short_trip_km": 1}
    for code, km in [("38001", 0), ("38002", 35), ("38003", 60)]:
        lat, lon = at(km)
        Commune.objects.create(insee_code=code, name=code, department="38", population=1,
                               latitude=lat, longitude=lon)
    for home, work, n in [("38001", "38002", 10), ("38003", "38002", 20),
                          ("38001", "38001", 50), ("38001", "38999", 4)]:
        CommutingFlow.objects.create(network=vercors.network, home_code=home, work_code=work,
                                     commuters=n, imported_at=NOW)
    (lat5, lon5), (lat48, lon48) = at(5), at(48)
    done_run.result["map"]["places"] = [{"name": "Lieu", "lat": lat5, "lon": lon5}]
    done_run.result["map"]["new_places"] = [{"name": "Nouveau", "lat": lat48, "lon": lon48}]
    done_run.save()
    return done_run


def test_estimate_of_a_run_hand_computed(flows_run):
    commute = commute_for_run(flows_run)
    # 20 % × 1 day × 45 weeks = 9 days a year for each commuter.
    # Today: home 0 km → place 5 km instead of work 35 km: 10 commuters × 9 × 2 × 30 = 5,400
    # km, 1 h a day each → 90 h; home 60 km is 55 min from the place: too far (20 min).
    today = commute["today"]
    assert (today.km, today.hours, today.euros, today.co2_kg) == (
        Decimal("5400.00"), Decimal("90.00"), Decimal("2700.00"), Decimal("1177.20"))
    assert today.commuters == 10 and today.flows_without_coordinates == 1
    # With the proposed place at 48 km, home 60 km works 12 km away instead of 25:
    # + 20 × 9 × 2 × 13 = 4,680 km and 78 h.
    plan = commute["plan"]
    assert (plan.km, plan.hours, plan.euros, plan.co2_kg) == (
        Decimal("10080.00"), Decimal("168.00"), Decimal("5040.00"), Decimal("2197.44"))
    assert plan.commuters == 30 and commute["flows"] == 4


def test_summary_page_and_pdf_show_the_estimate(client, vercors, flows_run):  # noqa: F811
    client.force_login(vercors.coordinator.user)
    page = client.get(url(vercors, "territory_run_summary", run_id=flows_run.pk))
    html = page.content.decode()
    assert "Trajets domicile-travail évités par an (estimation)" in html
    # Thousands separated by a no-break space (French format), rounded to the unit.
    assert ("<td>5\xa0400 km</td><td>10\xa0080 km</td>" in html
            and "<td>90 h</td><td>168 h</td>" in html
            and "<td>2\xa0700 €</td><td>5\xa0040 €</td>" in html
            and "<td>1\xa0177 kg CO2e</td><td>2\xa0197 kg CO2e</td>" in html)
    assert "Si 20 % des navetteurs (4 flux domicile-travail INSEE importés)" in html
    document = summary_document(flows_run)
    assert len(document.pages) == 1
    text = pdf_text(document)
    assert "Trajets domicile-travail évités par an" in text
    for figure in ("5\xa0400 km", "10\xa0080 km", "168 h", "5\xa0040 €", "2\xa0197 kg CO2e"):
        assert figure in text, figure


def pdf_text(document) -> str:
    """The text laid out on the PDF's pages (WeasyPrint boxes)."""
    out = []

    def walk(box):
        if getattr(box, "text", None):
            out.append(box.text)
        for child in getattr(box, "children", []) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(out)


def test_no_estimate_without_flows(client, vercors, done_run):  # noqa: F811
    assert commute_for_run(done_run) is None
    client.force_login(vercors.coordinator.user)
    html = client.get(url(vercors, "territory_run_summary", run_id=done_run.pk)).content.decode()
    assert "Trajets domicile-travail évités" not in html
