"""A member invites a guest from their own page: one-off code by e-mail (after the commit,
through the task queue), valid that day at that site during opening hours; the member sees and
cancels their invitations; the guest's entry — and a guest booking's code — is a presence under
the member / the booking (pinned clock: Monday 23 November 2026, 08:00 in Paris)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from access.attendance import attendance
from access.doors import build_allow_list
from access.models import (
    AccessDecision,
    Credential,
    CredentialKind,
    Invitation,
    PresenceEvent,
    Visit,
)
from access.services import AccessError, cancel_invitation, invite_guest, issue_booking_code
from bookings.models import BookingStatus
from bookings.services import book_resource
from tests import factories as f
from tests.access.test_api import DECISIONS, EVENTS
from tests.conftest import NOW, local

DAY = dt.date(2026, 11, 23)  # today (Monday); Autrans opens 9:00–18:00


@pytest.fixture
def task_mail(settings):
    """E-mails through the project's task backend (the test runner swaps in locmem)."""
    settings.EMAIL_BACKEND = "core.mail.TaskEmailBackend"


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _page(world):
    return reverse("access_invitations", args=[world.network.slug])


def _invite(client, world, **data):
    return client.post(_page(world), {"guest_name": "Dominique Invitée",
                                      "guest_email": "Dominique@Example.org",
                                      "day": "2026-11-24", "site": world.site.pk, **data},
                       follow=True)


def test_member_invites_a_guest_who_gets_a_code_after_the_commit(
        client, world, frozen, task_mail, django_capture_on_commit_callbacks):
    client.force_login(world.member.user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _invite(client, world)
    assert "Dominique Invitée est invité·e le 24/11/2026" in response.content.decode()
    assert mail.outbox == [] and len(callbacks) == 1  # queued for after the commit
    callbacks[0]()
    [message] = mail.outbox
    invitation = Invitation.objects.get()
    assert (invitation.member, invitation.site, invitation.day, invitation.guest_email) == (
        world.member, world.site, dt.date(2026, 11, 24), "dominique@example.org")
    assert message.to == ["dominique@example.org"]
    assert message.subject == "Invitation à Autrans le 24/11/2026"
    code = message.body.split("porte : ")[1].split("\n")[0]
    assert len(code) == 8 and code.isdigit()
    credential = Credential.objects.get(invitation=invitation)
    assert (credential.kind, credential.member, credential.hint) == (
        CredentialKind.INVITATION, world.member, code[-2:])
    assert "09:00–18:00" in message.body and "Camille Martin vous invite" in message.body
    page = client.get(_page(world)).content.decode()
    assert "Dominique Invitée" in page and "code envoyé" in page


def test_invitation_form_keeps_what_was_typed_and_explains(client, world, frozen):
    client.force_login(world.member.user)
    # Saturday 28 November: Autrans is closed on weekends.
    response = _invite(client, world, day="2026-11-28")
    page = response.content.decode()
    assert "Autrans est fermé le 28/11/2026 : choisissez un autre jour." in page
    assert 'value="Dominique Invitée"' in page
    assert "Ce jour est passé." in _invite(client, world, day="2026-11-20").content.decode()
    page = _invite(client, world, guest_email="pas-un-email").content.decode()
    assert "Saisissez une adresse de courriel valide." in page
    assert Invitation.objects.count() == 0 and Credential.objects.count() == 0


def test_invitation_page_is_for_members_of_the_network(client, world):
    for person, status in ((world.outsider, 404), (world.concierge_b.user, 404)):
        client.force_login(person if not hasattr(person, "user") else person.user)
        assert client.get(_page(world)).status_code == status
        assert _invite(client, world).status_code == status
    client.logout()
    assert client.get(_page(world)).status_code == 302  # to the log-in page
    assert Invitation.objects.count() == 0


def test_sites_of_another_network_cannot_be_chosen(client, world, frozen):
    client.force_login(world.member.user)
    page = _invite(client, world, site=world.site_b.pk).content.decode()
    assert "Sélectionnez un choix valide." in page
    assert Invitation.objects.count() == 0


def test_member_cancels_their_invitation_and_the_code_stops(
        client, world, frozen, signed, task_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                        guest_email="d@example.org", day=DAY,
                                        actor=world.member.user, now=NOW)
    client.force_login(world.member.user)
    cancel = reverse("access_invitation_cancel", args=[world.network.slug, invitation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel, follow=True)
    assert "Invitation de Dominique annulée." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.cancelled_at == NOW
    assert mail.outbox[-1].subject == "Invitation annulée – Autrans"
    answer = signed.post(DECISIONS, {"type": "code", "value": code}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "credential_disabled")


def test_only_the_inviting_member_can_cancel(client, world, frozen):
    invitation, _code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                     guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    cancel = reverse("access_invitation_cancel", args=[world.network.slug, invitation.pk])
    other = f.make_member(world.network)
    for user in (other.user, world.concierge_b.user, world.outsider):
        client.force_login(user)
        assert client.post(cancel).status_code == 404
        assert "Dominique" not in client.get(_page(world)).content.decode()
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


def test_invitation_code_opens_its_day_and_site_during_opening_hours(
        world, frozen, signed, monkeypatch):
    invitation, code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                    guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    answer = signed.post(DECISIONS, {"type": "code", "value": code}).json()  # 08:00
    assert (answer["allowed"], answer["rule"]) == (False, "closed")
    assert answer["reason"] == ("Lieu fermé (horaires du jour : 09:00–18:00) : une invitation "
                                "ouvre aux heures d'ouverture.")
    _at(monkeypatch, local(DAY, 9, 30))
    answer = signed.post(DECISIONS, {"type": "code", "value": code, "event_id": "g1"}).json()
    assert (answer["allowed"], answer["rule"]) == (True, "invitation")
    _at(monkeypatch, local(DAY + dt.timedelta(days=1), 9, 30))
    answer = signed.post(DECISIONS, {"type": "code", "value": code}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "expired")
    tomorrow, code2 = invite_guest(world.member, site=world.other_site, guest_name="Alex",
                                   guest_email="a@example.org", day=DAY + dt.timedelta(days=2),
                                   actor=None, now=local(DAY + dt.timedelta(days=1), 9, 30))
    answer = signed.post(DECISIONS, {"type": "code", "value": code2}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "other_site")
    decision = AccessDecision.objects.get(event_id="g1")
    assert decision.member == world.member and decision.facts["invitation"] == invitation.pk


def test_invitation_code_follows_the_host_rights(world, frozen, signed, monkeypatch):
    from access.services import set_member_access

    _at(monkeypatch, local(DAY, 10))
    invitation, code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                    guest_email="d@example.org", day=DAY, actor=None,
                                    now=local(DAY, 10))
    set_member_access(world.member, around_the_clock=False, access_until=DAY - dt.timedelta(1),
                      actor=None)
    answer = signed.post(DECISIONS, {"type": "code", "value": code}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "access_ended")
    world.member.is_active = False
    world.member.save()
    answer = signed.post(DECISIONS, {"type": "code", "value": code}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "member_inactive")


def test_guest_entry_by_invitation_is_a_visit_under_the_member(world, frozen, signed,
                                                                monkeypatch):
    invitation, code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                    guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    _at(monkeypatch, local(DAY, 9, 30))
    assert signed.post(DECISIONS, {"type": "code", "value": code, "event_id": "g1"}).json()[
        "allowed"]
    # The same event re-sent (timeout) is not a second entry; a second entry reuses the visit.
    signed.post(DECISIONS, {"type": "code", "value": code, "event_id": "g1"})
    _at(monkeypatch, local(DAY, 14))
    signed.post(DECISIONS, {"type": "code", "value": code, "event_id": "g2"})
    visit = Visit.objects.get()
    assert (visit.invited_by, visit.invitation, visit.name, visit.email) == (
        world.member, invitation, "Dominique", "d@example.org")
    events = PresenceEvent.objects.order_by("at")
    assert [(e.visit_id, e.member_id, e.source) for e in events] == [
        (visit.pk, None, "door"), (visit.pk, None, "door")]
    assert list(world.member.guests.all()) == [visit]
    report = attendance(world.network, sites=[world.site], first=DAY, last=DAY)
    assert (report.visits, report.guest_visits, report.unique) == (1, 1, 1)


def test_guest_booking_code_at_the_door_records_the_presence(world, frozen, signed,
                                                            monkeypatch):
    booking = book_resource(None, world.room, start=local(DAY, 10), end=local(DAY, 12),
                            actor=None, now=NOW, notify=False, by_staff=True,
                            guest_name="Sam Passant", guest_email="sam@example.org")
    _credential, code = issue_booking_code(booking, actor=None)
    _at(monkeypatch, local(DAY, 9, 50))  # within the 15-minute margin
    answer = signed.post(DECISIONS, {"type": "code", "value": code, "event_id": "b1"}).json()
    assert (answer["allowed"], answer["rule"]) == (True, "booking_code")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    visit = Visit.objects.get()
    assert (visit.booking, visit.name, visit.email, visit.invited_by) == (
        booking, "Sam Passant", "sam@example.org", None)
    event = PresenceEvent.objects.get()
    assert (event.visit, event.booking, event.source, event.at) == (
        visit, booking, "door", local(DAY, 9, 50))
    report = attendance(world.network, sites=[world.site], first=DAY, last=DAY)
    assert (report.visits, report.guest_visits) == (1, 1)


def test_guest_codes_uploaded_offline_are_presences_too(world, frozen, signed, monkeypatch):
    from access.crypto import credential_hash

    invitation, code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                    guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    booking = book_resource(None, world.room, start=local(DAY, 10), end=local(DAY, 11),
                            actor=None, now=NOW, notify=False, by_staff=True,
                            guest_name="Sam", guest_email="sam@example.org")
    _c, booking_code = issue_booking_code(booking, actor=None)
    _at(monkeypatch, local(DAY, 11, 30))  # back online; the entries were made offline
    events = [{"event_id": f"o{i}", "at": local(DAY, 9, 50 + i).isoformat(), "allowed": True,
               "rule": rule, "credential_hash": credential_hash(world.network.pk, "code", value)}
              for i, (rule, value) in enumerate([("invitation", code),
                                                 ("booking_code", booking_code)])]
    for _repeat in range(2):  # a repeated upload stores nothing twice
        signed.post(EVENTS, {"events": events})
    by_visit = {e.visit.email: e for e in PresenceEvent.objects.select_related("visit")}
    assert by_visit["d@example.org"].visit.invited_by == world.member
    assert by_visit["sam@example.org"].booking == booking
    assert PresenceEvent.objects.count() == 2 and Visit.objects.count() == 2


def test_allow_list_carries_the_invitation_for_its_day_only(world, frozen, door):
    controller, _secret = door
    invitation, _code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                     guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    invite_guest(world.member, site=world.other_site, guest_name="Ailleurs",
                 guest_email="x@example.org", day=DAY, actor=None, now=NOW)
    entries = [e for e in build_allow_list(controller, now=NOW)["entries"]
               if e["k"] == "invitation"]
    assert entries == [{"h": Credential.objects.get(invitation=invitation).secret_hash,
                        "k": "invitation", "m": world.member.pk, "rule": "invitation",
                        "windows": [[int(local(DAY, 9).timestamp()),
                                     int(local(DAY, 18).timestamp())]]}]
    cancel_invitation(invitation, actor=None, now=NOW)
    assert not [e for e in build_allow_list(controller, now=NOW)["entries"]
                if e["k"] == "invitation"]


def test_kiosk_walk_in_with_an_invitation_is_recorded_under_the_member(client, world, frozen):
    from access.services import create_kiosk

    invitation, _code = invite_guest(world.member, site=world.site, guest_name="Dominique",
                                     guest_email="d@example.org", day=DAY, actor=None, now=NOW)
    _kiosk, token = create_kiosk(world.site, actor=None)
    client.post(f"/kiosque/{token}/", {
        "action": "walk_in", "visit-name": "Dominique", "visit-email": "D@example.org",
        "visit-status": "freelancer", "visit-consent": "on"})
    visit = Visit.objects.get()
    assert (visit.invited_by, visit.invitation) == (world.member, invitation)


def test_invite_guest_refuses_far_days_and_other_networks_sites(world):
    with pytest.raises(AccessError) as err:
        invite_guest(world.member, site=world.site, guest_name="X", guest_email="x@example.org",
                     day=DAY + dt.timedelta(days=120), actor=None, now=NOW)
    assert err.value.message == "Une invitation se fait au plus 90 jours à l'avance."
    with pytest.raises(AccessError):
        invite_guest(world.member, site=world.site_b, guest_name="X",
                     guest_email="x@example.org", day=DAY, actor=None, now=NOW)
