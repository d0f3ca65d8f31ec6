"""Guests recorded under the member who invited them, guest bookings counted in presence, and
the warning members get before a no-show release (pinned clock)."""

import datetime as dt

from django.core import mail

from access.models import AccessPolicy, NoShowWarning, PresenceEvent, Visit
from access.presence import check_in_booking
from access.services import create_kiosk
from access.tasks import release_all_no_shows, warn_all_no_shows
from bookings.models import BookingStatus
from bookings.services import book_resource
from tests import factories as f
from tests.conftest import NOW, local

DAY = dt.date(2026, 11, 23)


def _walk_in(client, path, **extra):
    return client.post(path, {
        "action": "walk_in", "visit-name": "Sacha Petit", "visit-email": "sacha@example.org",
        "visit-status": "freelancer", "visit-consent": "on", **extra}, follow=True)


def test_kiosk_guest_is_recorded_under_the_member_who_invited_them(client, world):
    _kiosk, token = create_kiosk(world.site, actor=None)
    response = _walk_in(client, f"/kiosque/{token}/", **{"visit-host_email": "Membre@Example.org"})
    assert "Bienvenue Sacha Petit" in response.content.decode()
    visit = Visit.objects.get()
    assert visit.invited_by == world.member
    assert list(world.member.guests.all()) == [visit]
    assert PresenceEvent.objects.get(visit=visit).source == "kiosk"
    # The concierge sees who invited the guest.
    client.force_login(world.concierge.user)
    page = client.get("/r/vercors/accueil/presences/").content.decode()
    assert "invité·e par Camille Martin" in page


def test_kiosk_refuses_a_host_who_is_not_a_member_of_this_network(client, world):
    _kiosk, token = create_kiosk(world.site, actor=None)
    member_b = f.make_member(world.network_b, f.make_user("membre-gers@example.org"))
    for email in ("personne@example.org", member_b.user.email):
        response = _walk_in(client, f"/kiosque/{token}/", **{"visit-host_email": email})
        assert response.status_code == 200
        assert "Aucun membre de ce réseau n&#x27;a cet e-mail." in response.content.decode()
    assert Visit.objects.count() == 0 and PresenceEvent.objects.count() == 0


def test_checked_in_guest_booking_is_a_presence(world):
    booking = book_resource(None, world.room, start=local(DAY, 10), end=local(DAY, 11),
                            actor=None, now=NOW, notify=False, by_staff=True,
                            guest_name="Dominique Invitée", guest_email="dominique@example.org")
    check_in_booking(booking, source="concierge", actor=world.concierge.user,
                     now=local(DAY, 10, 2))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    event = PresenceEvent.objects.get()
    assert (event.source, event.booking_id, event.member_id, event.at) == (
        "concierge", booking.pk, None, local(DAY, 10, 2))
    assert (event.visit.name, event.visit.email, event.visit.site_id) == (
        "Dominique Invitée", "dominique@example.org", world.site.pk)


def test_members_are_warned_once_before_a_no_show_release(world,
                                                          django_capture_on_commit_callbacks):
    AccessPolicy.objects.create(network=world.network, no_show_enabled=True,
                                no_show_warning_minutes=20, no_show_minutes={"meeting_room": 15})
    desk = book_resource(world.member, world.desks, start=local(DAY, 9), end=local(DAY, 13),
                         actor=None, now=NOW, notify=False)  # released at 10:00
    room = book_resource(world.member, world.room, start=local(DAY, 10), end=local(DAY, 11),
                         actor=None, now=NOW, notify=False)  # released at 10:15
    assert warn_all_no_shows(local(DAY, 9, 39)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_all_no_shows(local(DAY, 9, 40)) == 1  # desk: 20 minutes before 10:00
    assert [m.subject for m in mail.outbox] == ["Signalez votre arrivée – Autrans"]
    assert mail.outbox[0].to == ["membre@example.org"]
    assert "Sans présence signalée d'ici 10:00" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_all_no_shows(local(DAY, 9, 50)) == 0  # never twice
    assert NoShowWarning.objects.get(booking=desk).release_at == local(DAY, 10)
    # The member checks in to the room before its warning: no e-mail for it.
    check_in_booking(room, source="qr", actor=None, now=local(DAY, 9, 54))
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_all_no_shows(local(DAY, 9, 56)) == 0
        assert release_all_no_shows(local(DAY, 10, 0)) == 1
    assert [m.subject for m in mail.outbox] == ["Signalez votre arrivée – Autrans",
                                                "Réservation libérée – Autrans"]
    desk.refresh_from_db()
    assert desk.status == BookingStatus.NO_SHOW
    assert not NoShowWarning.objects.filter(booking=room).exists()


def test_no_warning_unless_configured(world):
    AccessPolicy.objects.create(network=world.network, no_show_enabled=True)
    book_resource(world.member, world.desks, start=local(DAY, 9), end=local(DAY, 13),
                  actor=None, now=NOW, notify=False)
    assert warn_all_no_shows(local(DAY, 9, 59)) == 0
    assert mail.outbox == [] and NoShowWarning.objects.count() == 0
