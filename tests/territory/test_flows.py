"""Commuting flows: import (page and command), scoped per network, used by the estimate."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import AuditLog
from territory.models import Commune, CommutingFlow
from tests.territory.test_budget import at

GOOD = "COMMUNE;DCLT;IPONDI\n38001;38002;6\n38001;38002;4\n38001;38999;4\n"
BAD = "CODGEO,DCLT,NBFLUX_C20_ACTOCC15P\n38001,38003,2\n38001,38002,x\n3800,38002,4\n"


@pytest.fixture
def commuters(world, settings):
    settings.TERRITORY_TRAVEL_MODEL = {"detour": 1.0, "speed_kmh": 60, "short_speed_kmh": 60,
                                       "short_trip_km": 1}
    # Home at 0 km, the Autrans site at its commune's centre 5 km away, work 35 km away.
    for code, km in [("38021", 5), ("38001", 0), ("38002", 35)]:
        lat, lon = at(km)
        Commune.objects.create(insee_code=code, name=code, department="38", population=1,
                               latitude=lat, longitude=lon)
    world.other_site.is_active = False
    world.other_site.save()
    return world


def page_url(world, network=None):
    return reverse("territory_commute", args=[(network or world.network).slug])


def upload(client, world, text, network=None):
    return client.post(page_url(world, network),
                       {"file": SimpleUploadedFile("flux.csv", text.encode("latin-1"))})


def test_coordinator_imports_flows_and_reads_the_estimate(client, commuters):
    client.force_login(commuters.coordinator.user)
    response = upload(client, commuters, GOOD)
    assert response.status_code == 302
    assert sorted(CommutingFlow.objects.filter(network=commuters.network)
                  .values_list("home_code", "work_code", "commuters")) == [
        ("38001", "38002", 10.0), ("38001", "38999", 4.0)]
    assert AuditLog.objects.filter(action="territory.flows_imported").count() == 1
    response = client.get(page_url(commuters))
    result = response.context["result"]
    # 10 commuters × 20 % × 1 day × 45 weeks × 2 × (35 − 5) km = 5,400 km, 1 h a day saved.
    assert (result.km, result.hours, result.euros, result.co2_kg) == (
        Decimal("5400.00"), Decimal("90.00"), Decimal("2700.00"), Decimal("1177.20"))
    assert result.commuters == 10 and result.flows_without_coordinates == 1
    assert "2 flux domicile-travail importés pour ce réseau" in response.content.decode()
    # Two days a week for half of them: 5 × 2 × 45 × 60 km.
    result = client.get(page_url(commuters), {"share": 50, "days_per_week": 2, "weeks": 45,
                                              "max_minutes": 20}).context["result"]
    assert result.km == Decimal("27000.00")


def test_bad_file_reports_every_line_and_keeps_the_previous_flows(client, commuters):
    client.force_login(commuters.coordinator.user)
    upload(client, commuters, GOOD)
    before = list(CommutingFlow.objects.values_list("pk", flat=True))
    response = upload(client, commuters, BAD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 lignes invalides : rien n'a été importé" in page
    assert "Ligne 3 : effectif invalide « x »." in page and "Ligne 4 : code commune" in page
    assert list(CommutingFlow.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("who, status", [("member", 403), ("concierge", 403),
                                         ("concierge_b", 404), ("outsider", 404)])
def test_flows_page_refused_to_others(client, commuters, who, status):
    person = getattr(commuters, who)
    client.force_login(getattr(person, "user", person))
    assert client.get(page_url(commuters)).status_code == status
    assert upload(client, commuters, GOOD).status_code == status
    assert not CommutingFlow.objects.exists()


def test_flows_belong_to_their_network(client, commuters):
    call_command("import_flows", "vercors", _file(GOOD), stdout=io.StringIO())
    assert CommutingFlow.objects.filter(network=commuters.network_b).count() == 0
    client.force_login(commuters.coordinator.user)
    assert client.get(page_url(commuters)).context["flows_count"] == 2


def test_import_and_estimate_commands(commuters, tmp_path):
    out = io.StringIO()
    call_command("import_flows", "vercors", _file(GOOD, tmp_path), stdout=out)
    assert "2 flux domicile-travail importés" in out.getvalue()
    call_command("estimate_commute", "vercors", stdout=out)  # the stored flows
    assert "5400.00 km, 90.00 heures, 2700.00 € et 1177.20 kg CO2e" in out.getvalue()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 ligne"):
        call_command("import_flows", "vercors", _file(BAD, tmp_path), stderr=err)
    assert "Ligne 3" in err.getvalue()
    assert CommutingFlow.objects.count() == 2
    with pytest.raises(CommandError, match="Aucun flux"):
        call_command("estimate_commute", "gers")


def _file(text, folder=None):
    import tempfile
    from pathlib import Path

    folder = Path(folder or tempfile.mkdtemp())
    path = folder / "flux.csv"
    path.write_text(text, encoding="latin-1")
    return str(path)
