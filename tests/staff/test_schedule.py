"""Blocks, weekly opening hours and opening exceptions, from the concierge's pages."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.errors import BookingError
from bookings.services import book_resource
from core.models import AuditLog
from places.models import OpeningException, OpeningHours, Resource, ResourceBlock
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


def block_url(resource):
    return reverse("staff_block", args=["vercors", resource.pk])


def hours_url(site_slug="autrans"):
    return reverse("staff_site_hours", args=["vercors", site_slug])


def block(client, resource, **data):
    payload = {"start_date": "2026-11-24", "start_time": "09:00", "end_date": "2026-11-24",
               "end_time": "13:00", "reason": "maintenance"}
    payload.update(data)
    return client.post(block_url(resource), payload)


# --- Blocks ------------------------------------------------------------------------------

def test_concierge_blocks_a_resource_and_members_can_no_longer_book_it(client, world, now):
    client.force_login(world.concierge.user)
    response = block(client, world.office)
    assert response.status_code == 302
    b = ResourceBlock.objects.get()
    assert (b.resource, b.start, b.end, b.reason) == (
        world.office, local(TUESDAY, 9), local(TUESDAY, 13), "maintenance")
    assert b.created_by == world.concierge.user
    assert AuditLog.objects.filter(action="resource.blocked", target_id=str(b.pk)).count() == 1
    with pytest.raises(BookingError) as err:
        book_resource(world.member, world.office, start=local(TUESDAY, 9),
                      end=local(TUESDAY, 13), actor=world.member.user, now=now)
    assert err.value.message == "Bureau fermé est indisponible sur ce créneau (maintenance)."
    page = client.get(block_url(world.office)).content.decode()
    assert "du 24/11/2026 09:00 au 24/11/2026 13:00 – maintenance" in page


def test_blocking_over_existing_bookings_warns(client, world, now):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    client.force_login(world.concierge.user)
    page = client.get(block(client, world.office)["Location"]).content.decode()
    assert "Attention : 1 réservation(s) existent déjà sur cette période" in page


def test_block_ending_before_it_starts_is_refused(client, world):
    client.force_login(world.concierge.user)
    response = block(client, world.office, end_date="2026-11-23")
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == [
        "La fin du blocage doit être après son début."]
    assert 'value="maintenance"' in response.content.decode()
    assert not ResourceBlock.objects.exists()


def test_concierge_unblocks(client, world):
    client.force_login(world.concierge.user)
    block(client, world.office)
    b = ResourceBlock.objects.get()
    response = client.post(reverse("staff_unblock", args=["vercors", b.pk]))
    assert response["Location"] == block_url(world.office)
    assert not ResourceBlock.objects.exists()
    assert AuditLog.objects.filter(action="resource.unblocked", target_id=str(b.pk)).count() == 1


def test_concierge_of_autrans_cannot_block_or_unblock_villard(client, world):
    villard = Resource.objects.get(name="Open space Villard")
    b = ResourceBlock.objects.create(network=world.network, resource=villard,
                                     start=local(TUESDAY, 9), end=local(TUESDAY, 13))
    client.force_login(world.concierge.user)
    assert client.get(block_url(villard)).status_code == 404
    assert block(client, villard).status_code == 404
    assert client.post(reverse("staff_unblock", args=["vercors", b.pk])).status_code == 404
    assert list(ResourceBlock.objects.all()) == [b]


@pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403)])
def test_blocks_denied(client, world, persona, status):
    b = ResourceBlock.objects.create(network=world.network, resource=world.office,
                                     start=local(TUESDAY, 9), end=local(TUESDAY, 13))
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
    assert client.get(block_url(world.office)).status_code == status
    assert block(client, world.desks).status_code == status
    assert client.post(reverse("staff_unblock", args=["vercors", b.pk])).status_code == status
    assert list(ResourceBlock.objects.all()) == [b]


# --- Weekly hours ------------------------------------------------------------------------

def week(**days):
    data = {"form": "weekly"}
    for key, value in days.items():
        data[key] = value
    return data


def hours_of(site):
    return [(h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}")
            for h in OpeningHours.objects.filter(site=site).order_by("weekday", "opens")]


def test_concierge_sets_weekly_hours_with_two_intervals(client, world):
    client.force_login(world.concierge.user)
    page = client.get(hours_url()).content.decode()
    assert 'name="d0_opens1" value="09:00"' in page
    response = client.post(hours_url(), week(
        d0_opens1="09:00", d0_closes1="12:30", d0_opens2="13:30", d0_closes2="18:00",
        d2_opens1="08:30", d2_closes1="12:00"))
    assert response.status_code == 302
    assert hours_of(world.site) == [(0, "09:00", "12:30"), (0, "13:30", "18:00"),
                                    (2, "08:30", "12:00")]
    log = AuditLog.objects.get(action="site.hours_set")
    assert log.data["0"] == ["09:00-12:30", "13:30-18:00"]


@pytest.mark.parametrize("data, message", [
    ({"d1_opens1": "09:00", "d1_closes1": "12:30", "d1_opens2": "12:00", "d1_closes2": "18:00"},
     "mardi : les plages 09:00–12:30 et 12:00–18:00 se chevauchent."),
    ({"d1_opens1": "18:00", "d1_closes1": "09:00"},
     "mardi : la fermeture (09:00) doit être après l'ouverture (18:00)."),
    ({"d1_opens1": "09:00"},
     "mardi : indiquez l'heure d'ouverture et l'heure de fermeture."),
])
def test_wrong_weekly_hours_are_refused_next_to_the_day(client, world, data, message):
    before = hours_of(world.site)
    client.force_login(world.concierge.user)
    response = client.post(hours_url(), week(**data))
    assert response.status_code == 200
    assert response.context["weekly"].day_errors == {1: [message]}
    html = response.content.decode()
    assert 'name="d1_opens1" value="' + data["d1_opens1"] + '"' in html
    assert hours_of(world.site) == before


# --- Exceptions --------------------------------------------------------------------------

def exception(**data):
    payload = {"form": "exception", "start_date": "2026-12-24", "end_date": "2027-01-02",
               "closed": "closed", "reason": "congés de fin d'année"}
    payload.update(data)
    return payload


def test_concierge_closes_the_site_for_the_holidays(client, world):
    client.force_login(world.concierge.user)
    response = client.post(hours_url(), exception())
    assert response.status_code == 302
    e = OpeningException.objects.get()
    assert (e.site, e.start_date, e.end_date, e.closed, e.reason) == (
        world.site, dt.date(2026, 12, 24), dt.date(2027, 1, 2), True, "congés de fin d'année")
    board = client.get(reverse("staff_board", args=["vercors"]),
                       {"lieu": "autrans", "date": "2026-12-28"}).content.decode()
    assert "Fermé : congés de fin d&#x27;année" in board
    page = client.get(hours_url()).content.decode()
    assert "du 24 décembre 2026 au 2 janvier 2027" in page


def test_special_hours(client, world):
    client.force_login(world.concierge.user)
    client.post(hours_url(), exception(start_date="2026-12-24", end_date="2026-12-24",
                                       closed="hours", opens="09:00", closes="12:00",
                                       reason="veille de Noël"))
    e = OpeningException.objects.get()
    assert (e.closed, e.opens, e.closes) == (False, dt.time(9), dt.time(12))


@pytest.mark.parametrize("data, field, message", [
    ({"end_date": "2026-12-01"}, "end_date",
     "La date de fin doit être le même jour ou après la date de début."),
    ({"closed": "hours", "opens": "12:00", "closes": "09:00"}, "closes",
     "La fermeture doit être après l'ouverture."),
    ({"closed": "hours", "closes": "12:00"}, "opens", "Indiquez l'heure d'ouverture."),
])
def test_wrong_exception_is_refused(client, world, data, field, message):
    client.force_login(world.concierge.user)
    response = client.post(hours_url(), exception(**data))
    assert response.status_code == 200
    assert response.context["exception_form"].errors[field] == [message]
    assert not OpeningException.objects.exists()


def test_overlapping_exception_is_refused(client, world):
    client.force_login(world.concierge.user)
    client.post(hours_url(), exception())
    response = client.post(hours_url(), exception(start_date="2027-01-01",
                                                  end_date="2027-01-05"))
    assert response.context["exception_form"].errors["start_date"] == [
        "Ces dates chevauchent une exception déjà prévue du 24 décembre 2026 au 2 janvier 2027 : "
        "supprimez-la d'abord."]
    assert OpeningException.objects.count() == 1


def test_concierge_removes_an_exception(client, world):
    client.force_login(world.concierge.user)
    client.post(hours_url(), exception())
    e = OpeningException.objects.get()
    response = client.post(reverse("staff_exception_remove", args=["vercors", e.pk]))
    assert response["Location"] == hours_url()
    assert not OpeningException.objects.exists()
    assert AuditLog.objects.filter(action="site.exception_removed").count() == 1


def test_concierge_of_autrans_cannot_change_villard_hours(client, world):
    e = OpeningException.objects.create(network=world.network, site=world.other_site,
                                        start_date=TUESDAY, end_date=TUESDAY)
    before = hours_of(world.other_site)
    client.force_login(world.concierge.user)
    assert client.get(hours_url("villard")).status_code == 404
    assert client.post(hours_url("villard"), week(d0_opens1="10:00",
                                                  d0_closes1="11:00")).status_code == 404
    assert client.post(reverse("staff_exception_remove",
                               args=["vercors", e.pk])).status_code == 404
    assert hours_of(world.other_site) == before
    assert OpeningException.objects.count() == 1


@pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403)])
def test_hours_denied(client, world, persona, status):
    e = OpeningException.objects.create(network=world.network, site=world.site,
                                        start_date=TUESDAY, end_date=TUESDAY)
    before = hours_of(world.site)
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
    assert client.get(hours_url()).status_code == status
    assert client.post(hours_url(), week(d0_opens1="10:00", d0_closes1="11:00")
                       ).status_code == status
    assert client.post(reverse("staff_exception_remove",
                               args=["vercors", e.pk])).status_code == status
    assert hours_of(world.site) == before
    assert OpeningException.objects.count() == 1
