import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditLog
from places.models import Site
from tests import factories as f
from tests.manage.helpers import DENIED, login

SITES = reverse("manage_sites", args=["vercors"])
CREATE = reverse("manage_site_create", args=["vercors"])


def site_data(**overrides):
    data = {"slug": "lans", "name": "Lans-en-Vercors", "address": "2 rue du Lycée",
            "postcode": "38250", "city": "Lans-en-Vercors", "insee_code": "38205",
            "latitude": "45.128200", "longitude": "5.589400", "wifi_mbps": "300",
            "has_visio": "on", "has_kitchen": "on", "members_24_7": "on",
            "half_day_split": "13:30", "is_active": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_manage_home_links_everything(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(reverse("manage_home", args=["vercors"]))
    assert response.status_code == 200
    assert response.context["counts"] == {"sites": 2, "active_sites": 2, "members": 3,
                                          "organisations": 0, "pending": 0}
    html = response.content.decode()
    for name in ("manage_sites", "manage_members", "manage_organisations", "manage_staff"):
        assert reverse(name, args=["vercors"]) in html


def test_coordinator_lists_the_network_sites_only(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(SITES)
    sites = list(response.context["sites"])
    assert [(s.name, s.resource_count) for s in sites] == [("Autrans", 3),
                                                           ("Villard-de-Lans", 1)]
    assert "Auch" not in response.content.decode()


def test_site_list_query_count_does_not_grow(client, world):
    client.force_login(world.coordinator.user)
    with CaptureQueriesContext(connection) as few:
        client.get(SITES)
    for i in range(10):
        site = f.make_site(world.network, f"extra-{i}")
        f.make_resource(site)
    with CaptureQueriesContext(connection) as many:
        response = client.get(SITES)
    assert len(response.context["sites"]) == 12
    assert len(many) == len(few)


def test_coordinator_creates_a_site(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(CREATE, site_data())
    assert response.status_code == 302
    site = Site.objects.get(slug="lans")
    assert response["Location"] == reverse("manage_resources", args=["vercors", site.pk])
    assert site.network == world.network
    assert (site.insee_code, site.latitude, site.longitude) == (
        "38205", Decimal("45.128200"), Decimal("5.589400"))
    assert (site.wifi_mbps, site.has_visio, site.has_kitchen, site.has_printer) == (
        300, True, True, False)
    assert site.members_24_7 and site.half_day_split == dt.time(13, 30)
    assert AuditLog.objects.filter(action="site.created", target_id=str(site.pk),
                                   actor=world.coordinator.user).count() == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"insee_code": "3820"}, "insee_code",
     "Le code INSEE d'une commune compte 5 caractères (ex. 38548)."),
    ({"latitude": "95"}, "latitude",
     "Assurez-vous que cette valeur est inférieure ou égale à 90."),
    ({"slug": "autrans"}, "slug", "Un autre lieu du réseau utilise déjà cet identifiant."),
])
def test_invalid_site_is_refused_and_keeps_input(client, world, overrides, field, message):
    client.force_login(world.coordinator.user)
    response = client.post(CREATE, site_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert 'value="Lans-en-Vercors"' in response.content.decode()
    assert Site.objects.filter(network=world.network).count() == 2


def test_same_slug_in_another_network_is_fine(client, world):
    client.force_login(world.coordinator.user)
    assert client.post(CREATE, site_data(slug="auch")).status_code == 302


def test_corsican_insee_code_is_accepted(client, world):
    client.force_login(world.coordinator.user)
    assert client.post(CREATE, site_data(insee_code="2A004")).status_code == 302


def test_coordinator_edits_a_site(client, world):
    client.force_login(world.coordinator.user)
    url = reverse("manage_site_edit", args=["vercors", world.other_site.pk])
    page = client.get(url).content.decode()
    assert 'value="Villard-de-Lans"' in page
    data = site_data(slug="villard", name="Villard", insee_code="38548", has_visio=None,
                     is_active=None)
    response = client.post(url, data)
    assert response["Location"] == SITES
    world.other_site.refresh_from_db()
    assert (world.other_site.name, world.other_site.is_active, world.other_site.has_visio) == (
        "Villard", False, False)
    log = AuditLog.objects.get(action="site.updated")
    assert "name" in log.data["fields"] and "is_active" in log.data["fields"]


def test_refused_edit_changes_nothing(client, world):
    client.force_login(world.coordinator.user)
    url = reverse("manage_site_edit", args=["vercors", world.other_site.pk])
    response = client.post(url, site_data(slug="villard", name="Villard", insee_code="ABCDE"))
    assert response.status_code == 200
    world.other_site.refresh_from_db()
    assert world.other_site.name == "Villard-de-Lans"
    assert not AuditLog.objects.filter(action="site.updated").exists()


def test_site_of_another_network_is_404(client, world):
    client.force_login(world.coordinator.user)
    url = reverse("manage_site_edit", args=["vercors", world.site_b.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, site_data(slug="x")).status_code == 404
    world.site_b.refresh_from_db()
    assert world.site_b.name == "Auch"


@DENIED
def test_site_pages_denied(client, world, persona, status):
    login(client, world, persona)
    edit = reverse("manage_site_edit", args=["vercors", world.site.pk])
    assert client.get(reverse("manage_home", args=["vercors"])).status_code == status
    assert client.get(SITES).status_code == status
    assert client.get(CREATE).status_code == status
    assert client.post(CREATE, site_data()).status_code == status
    assert client.get(edit).status_code == status
    assert client.post(edit, site_data(slug="autrans", name="Pirate")).status_code == status
    assert not Site.objects.filter(slug="lans").exists()
    world.site.refresh_from_db()
    assert world.site.name == "Autrans"
