"""The front desk and the member's access pages: allow and deny for each view, through the
pages people use. The clock is Monday 23 November 2026, 09:30 (Autrans opens at 9:00)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from access.models import Credential, Kiosk, MemberAccess, PresenceEvent, Visit
from access.presence import check_in_token, register_walk_in
from access.services import create_kiosk, issue_badge
from bookings.models import BookingStatus
from bookings.services import book_resource
from tests import factories as f
from tests.conftest import NOW, local

DAY = dt.date(2026, 11, 23)
AT_930 = local(DAY, 9, 30)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: AT_930)
    return AT_930


@pytest.fixture
def booking(world):
    return book_resource(world.member, world.desks, start=local(DAY, 9), end=local(DAY, 13),
                         actor=world.member.user, now=NOW, notify=False)


def url(world, name, *args):
    from django.urls import reverse

    return reverse(name, args=[world.network.slug, *args])


def test_front_desk_shows_who_is_here_walk_ins_and_bookings(client, world, booking):
    register_walk_in(world.site, name="Sacha Petit", email="sacha@example.org",
                     status="freelancer", purpose="Travailler la journée", now=AT_930)
    client.force_login(world.concierge.user)
    page = client.get(url(world, "access_front_desk")).content.decode()
    assert "Qui est là : 1 personne" in page and "Sacha Petit" in page
    assert "Travailler la journée" in page and "Camille Martin" in page
    assert url(world, "access_check_in", booking.pk) in page  # the check-in button


def test_front_desk_is_for_staff_of_the_site(client, world):
    client.force_login(world.member.user)
    assert client.get(url(world, "access_front_desk")).status_code == 403
    client.force_login(world.concierge.user)  # concierge of Autrans only
    assert client.get(url(world, "access_front_desk") + "?lieu=villard").status_code == 404


def test_concierge_checks_a_booking_in(client, world, booking):
    client.force_login(world.concierge.user)
    response = client.post(url(world, "access_check_in", booking.pk))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    event = PresenceEvent.objects.get()
    assert (event.member_id, event.source, event.recorded_by_id) == (
        world.member.pk, "concierge", world.concierge.user.pk)
    page = client.get(url(world, "access_front_desk")).content.decode()
    assert "Qui est là : 1 personne" in page


def test_check_in_refused_to_a_member_and_to_another_sites_concierge(client, world, booking):
    client.force_login(world.member.user)
    assert client.post(url(world, "access_check_in", booking.pk)).status_code == 403
    villard = f.make_concierge(world.other_site)
    client.force_login(villard.user)
    assert client.post(url(world, "access_check_in", booking.pk)).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and PresenceEvent.objects.count() == 0


def test_departure_removes_from_who_is_here(client, world):
    visit = register_walk_in(world.site, name="Sacha Petit", email="sacha@example.org",
                             status="freelancer", now=AT_930)
    client.force_login(world.concierge.user)
    client.post(url(world, "access_departure", world.site.slug), {"person": f"v{visit.pk}"})
    page = client.get(url(world, "access_front_desk")).content.decode()
    assert "Qui est là : 0 personne" in page


def test_kiosk_link_walk_in_and_qr_scan(client, world, booking):
    client.force_login(world.concierge.user)
    client.post(url(world, "access_kiosk_create", world.site.slug), {"action": "create"})
    page = client.get(url(world, "access_front_desk")).content.decode()
    kiosk_url = page.split('<code id="kiosk-url">')[1].split("</code>")[0]
    assert Kiosk.objects.filter(site=world.site, is_active=True).count() == 1
    client.logout()  # the tablet is not logged in
    path = kiosk_url.replace("http://testserver", "")
    assert client.get(path).status_code == 200
    response = client.post(path, {
        "action": "walk_in", "visit-name": "Sacha Petit", "visit-email": "Sacha@Example.org",
        "visit-status": "job_seeker", "visit-purpose": "Atelier CV",
        "visit-home_commune": "Méaudre", "visit-consent": "on"}, follow=True)
    assert "Bienvenue Sacha Petit" in response.content.decode()
    visit = Visit.objects.get()
    assert (visit.email, visit.status, visit.site_id, visit.home_commune) == (
        "sacha@example.org", "job_seeker", world.site.pk, "Méaudre")
    assert PresenceEvent.objects.get(visit=visit).source == "kiosk"
    response = client.post(path, {"action": "scan", "scan-token": check_in_token(booking)},
                           follow=True)
    assert "votre présence est enregistrée" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    assert PresenceEvent.objects.get(member=world.member).source == "qr"


def test_kiosk_refuses_bad_tokens_and_qr_codes(client, world, booking):
    _kiosk, token = create_kiosk(world.site, actor=None)
    assert client.get("/kiosque/pas-le-bon-jeton/").status_code == 404
    path = f"/kiosque/{token}/"
    response = client.post(path, {"action": "scan", "scan-token": "n'importe quoi"})
    assert "ne correspond à aucune réservation de ce lieu" in response.content.decode()
    other = book_resource(world.member, world.other_site.resources.first(),
                          start=local(DAY, 9), end=local(DAY, 13), actor=world.member.user,
                          now=NOW, notify=False)
    response = client.post(path, {"action": "scan", "scan-token": check_in_token(other)})
    assert "ne correspond à aucune réservation de ce lieu" in response.content.decode()
    response = client.post(path, {"action": "walk_in", "visit-name": "X"})
    assert response.status_code == 200 and Visit.objects.count() == 0  # incomplete form
    client.force_login(world.concierge.user)
    client.post(url(world, "access_kiosk_create", world.site.slug), {"action": "disable"})
    client.logout()
    assert client.get(path).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_kiosk_link_creation_is_for_staff(client, world):
    client.force_login(world.member.user)
    assert client.post(url(world, "access_kiosk_create", world.site.slug)).status_code == 403
    client.force_login(world.concierge.user)
    assert client.post(url(world, "access_kiosk_create", "villard")).status_code == 404
    assert Kiosk.objects.count() == 0


def test_booking_pass_qr_and_door_code(client, world, booking, django_capture_on_commit_callbacks):
    client.force_login(world.member.user)
    page = client.get(url(world, "access_booking_pass", booking.pk)).content.decode()
    assert "<svg" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "access_booking_code", booking.pk), follow=True)
    code = response.content.decode().split('<strong id="door-code">')[1].split("<")[0]
    credential = Credential.objects.get(booking=booking)
    assert credential.kind == "booking_code" and credential.hint == code[-2:]
    assert len(mail.outbox) == 1 and code in mail.outbox[0].body
    assert mail.outbox[0].to == ["membre@example.org"]


def test_booking_pass_is_only_for_the_holder(client, world, booking):
    other = f.make_member(world.network)
    client.force_login(other.user)
    assert client.get(url(world, "access_booking_pass", booking.pk)).status_code == 404
    assert client.post(url(world, "access_booking_code", booking.pk)).status_code == 404
    client.force_login(world.concierge.user)  # staff do not hand out a member's door code
    assert client.post(url(world, "access_booking_code", booking.pk)).status_code == 404
    assert Credential.objects.count() == 0


def test_concierge_manages_badges_and_reads_why_a_door_refused(client, world, door):
    from access.doors import check_access

    client.force_login(world.concierge.user)
    page_url = url(world, "access_member", world.member.pk)
    client.post(page_url, {"action": "badge", "badge-uid": "04:a2:3b:1c", "badge-label": "bleu"})
    client.post(page_url, {"action": "pin", "pin-pin": "4821"})
    assert sorted(Credential.objects.filter(member=world.member)
                  .values_list("kind", "hint")) == [("badge", "3B1C"), ("pin", "")]
    response = client.post(page_url, {"action": "badge", "badge-uid": "04A23B1C"})
    assert "déjà attribué" in response.content.decode()
    controller, _secret = door
    check_access(controller, kind="badge", value="04A23B1C", now=local(DAY, 20))
    page = client.get(page_url).content.decode()
    assert "Lieu fermé (horaires du jour : 09:00–18:00) et aucune réservation en cours." in page
    # Only the coordinator changes rights.
    client.post(page_url, {"action": "rights", "rights-around_the_clock": "on"})
    assert not MemberAccess.objects.filter(around_the_clock=True).exists()
    client.force_login(world.coordinator.user)
    client.post(page_url, {"action": "rights", "rights-around_the_clock": "on",
                           "rights-access_until": "2026-12-31"})
    rights = MemberAccess.objects.get(member=world.member)
    assert (rights.around_the_clock, rights.access_until) == (True, dt.date(2026, 12, 31))


def test_member_cannot_manage_access(client, world):
    badge = issue_badge(world.member, "04A23B1C", actor=None)
    client.force_login(world.member.user)
    assert client.get(url(world, "access_member", world.member.pk)).status_code == 403
    assert client.post(url(world, "access_revoke", badge.pk)).status_code == 403
    badge.refresh_from_db()
    assert badge.is_active
    client.force_login(world.concierge.user)
    client.post(url(world, "access_revoke", badge.pk))
    badge.refresh_from_db()
    assert not badge.is_active


def test_who_is_here_for_members_shows_only_those_who_agreed(client, world):
    other = f.make_member(world.network, f.make_user(first_name="Lou", last_name="Bernard"))
    for m in (world.member, other):
        PresenceEvent.objects.create(network=world.network, site=world.site, member=m,
                                     source="door", at=local(DAY, 9))
    client.force_login(world.member.user)
    page = client.get(url(world, "access_mine")).content.decode()
    assert "Lou Bernard" not in page
    client.force_login(other.user)
    client.post(url(world, "access_mine"), {"show_presence": "1"})
    client.force_login(world.member.user)
    page = client.get(url(world, "access_mine")).content.decode()
    assert "Lou Bernard" in page and "Camille Martin" not in page
