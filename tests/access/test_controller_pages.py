"""Coordinators manage their network's door controllers: list, register (the secret key is
shown once and works), disable (requests refused from then on). Nobody else may."""

import pytest

from access.models import DoorController
from core.models import AuditLog
from tests.access.conftest import SignedClient

PAGE = "/r/vercors/gestion/portes/"


def test_coordinator_registers_a_controller_and_sees_its_key_once(client, world, frozen):
    client.force_login(world.coordinator.user)
    response = client.post(PAGE, {"site": world.other_site.pk, "name": "Porte du fond"})
    assert response.status_code == 302 and response.url == PAGE
    controller = DoorController.objects.get()
    assert (controller.site, controller.name, controller.is_active) == (
        world.other_site, "Porte du fond", True)
    page = client.get(PAGE).content.decode()
    secret = page.split('<code id="new-key-secret">')[1].split("</code>")[0]
    assert f'<code id="new-key-id">{controller.key_id}</code>' in page
    assert "Porte du fond" in page and "Villard-de-Lans" in page
    assert 'id="new-key-secret"' not in client.get(PAGE).content.decode()  # once only
    # The key shown is the one the server checks.
    signed = SignedClient(client, controller.key_id, secret, lambda: frozen)
    assert signed.get("/api/access/v1/allow-list").status_code == 200
    assert AuditLog.objects.filter(action="access.controller_registered").count() == 1


def test_coordinator_disables_a_controller(client, world, door, frozen):
    controller, secret = door
    client.force_login(world.coordinator.user)
    response = client.post(f"{PAGE}{controller.pk}/desactiver/")
    assert response.status_code == 302
    controller.refresh_from_db()
    assert controller.is_active is False
    signed = SignedClient(client, controller.key_id, secret, lambda: frozen)
    response = signed.post("/api/access/v1/decisions", {"type": "badge", "value": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unknown_controller"
    assert AuditLog.objects.filter(action="access.controller_disabled").count() == 1


def test_controller_list_names_each_controller_in_a_fixed_number_of_queries(
        client, world, django_assert_max_num_queries):
    from access.services import register_controller

    for n in range(5):
        register_controller(world.site, f"Porte {n}", actor=None)
    client.force_login(world.coordinator.user)
    with django_assert_max_num_queries(12):
        page = client.get(PAGE).content.decode()
    assert page.count('<tr class="controller">') == 5


@pytest.mark.parametrize("persona", ["member", "concierge", "concierge_b", "outsider"])
def test_only_coordinators_of_the_network_manage_controllers(client, world, door, persona):
    controller, _secret = door
    user = {"member": world.member.user, "concierge": world.concierge.user,
            "concierge_b": world.concierge_b.user, "outsider": world.outsider}[persona]
    client.force_login(user)
    expected = 403 if persona in ("member", "concierge") else 404
    assert client.get(PAGE).status_code == expected
    assert client.post(PAGE, {"site": world.site.pk, "name": "Intruse"}).status_code == expected
    assert client.post(f"{PAGE}{controller.pk}/desactiver/").status_code == expected
    assert DoorController.objects.get().is_active is True
    assert DoorController.objects.count() == 1


def test_coordinator_of_another_network_cannot_disable_ours(client, world, door):
    from tests import factories as f

    controller, _secret = door
    other = f.make_coordinator(world.network_b, user=f.make_user("coord-gers@example.org"))
    client.force_login(other.user)
    assert client.post(f"/r/gers/gestion/portes/{controller.pk}/desactiver/").status_code == 404
    controller.refresh_from_db()
    assert controller.is_active is True


def test_access_models_in_the_admin_are_read_only(admin_client, world, door):
    controller, _secret = door
    response = admin_client.get(f"/admin/access/doorcontroller/{controller.pk}/change/")
    assert response.status_code == 200
    assert controller.key_salt not in response.content.decode()
    for model in ("doorcontroller", "credential", "accessdecision", "presenceevent", "visit",
                  "kiosk", "memberaccess", "noshowwarning", "allowlistissue"):
        assert admin_client.get(f"/admin/access/{model}/").status_code == 200
        assert admin_client.get(f"/admin/access/{model}/add/").status_code == 403
    assert admin_client.get("/admin/access/accesspolicy/add/").status_code == 200
