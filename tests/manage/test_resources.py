import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.services import book_resource
from core.models import AuditLog
from places.models import Resource
from tests import factories as f
from tests.conftest import local
from tests.manage.helpers import DENIED, login

TUESDAY = dt.date(2026, 11, 24)


def list_url(site):
    return reverse("manage_resources", args=["vercors", site.pk])


def create_url(site):
    return reverse("manage_resource_create", args=["vercors", site.pk])


def edit_url(resource):
    return reverse("manage_resource_edit", args=["vercors", resource.pk])


def resource_data(**overrides):
    data = {"name": "Salle du four", "kind": "meeting_room", "description": "", "seats": "1",
            "capacity": "12", "booking_unit": "hour", "min_duration_minutes": "60",
            "max_duration_minutes": "240", "min_notice_minutes": "120",
            "max_advance_days": "60", "cancellation_deadline_minutes": "1440",
            "requires_approval": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_coordinator_lists_a_sites_resources(client, world):
    client.force_login(world.coordinator.user)
    response = client.get(list_url(world.site))
    assert response.status_code == 200
    assert [r.name for r in response.context["resources"]] == [
        "Salle de réunion", "Open space Autrans", "Bureau fermé"]


def test_resource_list_query_count_does_not_grow(client, world):
    client.force_login(world.coordinator.user)
    with CaptureQueriesContext(connection) as few:
        client.get(list_url(world.site))
    for _ in range(10):
        f.make_resource(world.site, "private_office")
    with CaptureQueriesContext(connection) as many:
        response = client.get(list_url(world.site))
    assert len(response.context["resources"]) == 13
    assert len(many) == len(few)


def test_coordinator_creates_a_meeting_room(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(create_url(world.other_site), resource_data())
    assert response["Location"] == list_url(world.other_site)
    room = Resource.objects.get(name="Salle du four")
    assert (room.site, room.network) == (world.other_site, world.network)
    assert (room.kind, room.seats, room.capacity, room.booking_unit) == (
        "meeting_room", 1, 12, "hour")
    assert (room.min_duration_minutes, room.max_duration_minutes, room.min_notice_minutes,
            room.max_advance_days, room.cancellation_deadline_minutes) == (60, 240, 120, 60, 1440)
    assert room.requires_approval and not room.members_only and room.is_active
    assert AuditLog.objects.filter(action="resource.created", target_id=str(room.pk)).count() == 1


def test_open_space_may_have_several_seats(client, world):
    client.force_login(world.coordinator.user)
    client.post(create_url(world.site), resource_data(
        name="Mezzanine", kind="open_space", seats="6", booking_unit="half_day",
        max_duration_minutes=""))
    assert Resource.objects.get(name="Mezzanine").seats == 6


def test_several_seats_for_an_exclusive_resource_is_refused_clearly(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(create_url(world.site), resource_data(seats="4"))
    assert response.status_code == 200
    assert response.context["form"].errors["seats"] == [
        "Seul un espace partagé (open space) compte plusieurs places : « salle de réunion » se "
        "réserve en entier, avec 1 place. Indiquez le nombre de personnes accueillies dans "
        "« capacité »."]
    assert 'value="Salle du four"' in response.content.decode()
    assert not Resource.objects.filter(name="Salle du four").exists()


def test_max_duration_below_min_is_refused(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(create_url(world.site), resource_data(max_duration_minutes="30"))
    assert response.context["form"].errors["max_duration_minutes"] == [
        "La durée maximale doit être supérieure ou égale à la durée minimale."]
    assert not Resource.objects.filter(name="Salle du four").exists()


def test_coordinator_edits_a_resource(client, world):
    client.force_login(world.coordinator.user)
    response = client.post(edit_url(world.desks), resource_data(
        name="Open space", kind="open_space", seats="10", booking_unit="half_day",
        min_duration_minutes="0", max_duration_minutes="", requires_approval=None,
        members_only="on"))
    assert response["Location"] == list_url(world.site)
    world.desks.refresh_from_db()
    assert (world.desks.name, world.desks.seats, world.desks.members_only) == (
        "Open space", 10, True)


def test_kind_cannot_switch_pooled_to_exclusive_with_upcoming_bookings(client, world, now):
    book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    client.force_login(world.coordinator.user)
    response = client.post(edit_url(world.desks), resource_data(
        name="Open space Autrans", kind="private_office", seats="1", booking_unit="half_day",
        min_duration_minutes="0", max_duration_minutes=""))
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [
        "Impossible de changer le type : des réservations à venir portent sur cette "
        "ressource. Créez plutôt une nouvelle ressource."]
    world.desks.refresh_from_db()
    assert (world.desks.kind, world.desks.seats) == ("open_space", 8)


def test_coordinator_deactivates_and_reactivates(client, world):
    client.force_login(world.coordinator.user)
    url = reverse("manage_resource_deactivate", args=["vercors", world.office.pk])
    assert client.post(url)["Location"] == list_url(world.site)
    world.office.refresh_from_db()
    assert world.office.is_active is False
    assert client.get(url).status_code == 405
    client.post(reverse("manage_resource_reactivate", args=["vercors", world.office.pk]))
    world.office.refresh_from_db()
    assert world.office.is_active is True
    assert list(AuditLog.objects.filter(target_type="places.resource").order_by("pk")
                .values_list("action", flat=True)) == ["resource.deactivated",
                                                       "resource.reactivated"]


def test_resources_of_another_network_are_404(client, world):
    other = Resource.objects.get(site=world.site_b)
    client.force_login(world.coordinator.user)
    assert client.get(list_url(world.site_b)).status_code == 404
    assert client.post(create_url(world.site_b), resource_data()).status_code == 404
    assert client.post(edit_url(other), resource_data()).status_code == 404
    assert client.post(reverse("manage_resource_deactivate",
                               args=["vercors", other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.is_active and other.kind == "open_space"
    assert not Resource.objects.filter(name="Salle du four").exists()


@DENIED
def test_resource_pages_denied(client, world, persona, status):
    login(client, world, persona)
    assert client.get(list_url(world.site)).status_code == status
    assert client.get(create_url(world.site)).status_code == status
    assert client.post(create_url(world.site), resource_data()).status_code == status
    assert client.get(edit_url(world.room)).status_code == status
    assert client.post(edit_url(world.room), resource_data()).status_code == status
    assert client.post(reverse("manage_resource_deactivate",
                               args=["vercors", world.room.pk])).status_code == status
    world.room.refresh_from_db()
    assert (world.room.name, world.room.is_active) == ("Salle de réunion", True)
    assert not Resource.objects.filter(name="Salle du four").exists()
