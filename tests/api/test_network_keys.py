"""Per-network API keys: staff-level reads of one network, never writes, never elsewhere."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from api.models import NetworkApiKey
from bookings.models import Booking
from bookings.services import book_resource
from tests import factories as f
from tests.conftest import NOW, local

TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def network_key(world, pinned_now):
    return NetworkApiKey.issue(world.network, "site web")[1]


@pytest.fixture
def bookings(world):
    other = f.make_member(world.network, f.make_user("autre@example.org"))
    return [book_resource(m, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                          actor=m.user, now=NOW) for m in (world.member, other)]


def test_command_prints_a_key_and_stores_only_its_hash(world, api):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_network_api_key", "vercors", "agenda", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("mlgn_")
    stored = NetworkApiKey.objects.get()
    assert (stored.network, stored.name, stored.prefix) == (world.network, "agenda", key[:10])
    assert stored.key_hash == NetworkApiKey.hash_key(key) and key not in stored.key_hash
    assert api.get("/api/v1/networks/vercors/members", key=key).status_code == 200


def test_command_refuses_an_unknown_network(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_network_api_key", "nulle-part", "x", stdout=io.StringIO())
    assert not NetworkApiKey.objects.exists()


def test_key_reads_every_booking_of_its_network(api, world, network_key, bookings):
    response = api.get("/api/v1/networks/vercors/bookings", key=network_key)
    assert response.status_code == 200
    assert [b["id"] for b in response.json()["items"]] == [b.pk for b in bookings]
    by_site = api.get("/api/v1/networks/vercors/bookings", {"site": "autrans"}, key=network_key)
    assert by_site.json()["count"] == 2
    assert NetworkApiKey.objects.get().last_used_at == NOW


def test_key_lists_members_and_sites(api, world, network_key):
    response = api.get("/api/v1/networks/vercors/members", key=network_key)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {m["email"] for m in body["items"]} == {
        "membre@example.org", "accueil@example.org", "coordination@example.org"}
    assert api.get("/api/v1/networks/vercors/sites", key=network_key).status_code == 200


def test_key_of_one_network_sees_nothing_of_another(api, world, network_key):
    for path in ("members", "bookings", "sites"):
        response = api.get(f"/api/v1/networks/gers/{path}", key=network_key)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_key_never_writes(api, world, network_key, bookings):
    before = list(Booking.objects.values_list("pk", "status"))
    book = api.post("/api/v1/networks/vercors/bookings",
                    {"resource_id": world.desks.pk, "date": "2026-11-25", "slot": "morning"},
                    key=network_key)
    cancel = api.post(f"/api/v1/networks/vercors/bookings/{bookings[0].pk}/cancel",
                      key=network_key)
    for response in (book, cancel):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert list(Booking.objects.values_list("pk", "status")) == before


def test_inactive_or_wrong_key_is_401(api, world, network_key):
    NetworkApiKey.objects.update(is_active=False)
    for key in (network_key, "mlgn_nope"):
        response = api.get("/api/v1/networks/vercors/members", key=key)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("persona, status", [
    ("member", 403), ("concierge", 200), ("coordinator", 200), ("concierge_b", 404),
    ("outsider", 404),
])
def test_members_list_is_for_the_network_staff(api, keys, persona, status):
    response = api.get("/api/v1/networks/vercors/members", key=keys[persona])
    assert response.status_code == status
    if status != 200:
        assert set(response.json()) == {"error"}


def test_members_list_is_paginated_and_filtered(api, world, keys):
    world.member.is_active = False
    world.member.save()
    response = api.get("/api/v1/networks/vercors/members", {"limit": 1, "offset": 1,
                                                            "active": "true"},
                       key=keys["coordinator"])
    body = response.json()
    assert (body["count"], body["limit"], body["offset"], len(body["items"])) == (2, 1, 1, 1)
