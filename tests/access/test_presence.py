"""No-show release timing and attendance figures computed from presence."""

import datetime as dt

import pytest
from django.core import mail

from access.attendance import attendance
from access.models import AccessPolicy, PresenceEvent
from access.presence import register_walk_in
from access.tasks import release_all_no_shows
from bookings.errors import BookingError
from bookings.models import BookingStatus
from bookings.services import book_resource
from members.models import MemberStatus
from tests import factories as f
from tests.conftest import NOW, local

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def full_desks(world):
    """Autrans' 8 desks all booked on Monday morning, one of them by our member."""
    world.desks.seats = 2
    world.desks.save()
    mine = book_resource(world.member, world.desks, start=local(DAY, 9), end=local(DAY, 13),
                         actor=None, now=NOW, notify=False)
    other = book_resource(f.make_member(world.network), world.desks, start=local(DAY, 9),
                          end=local(DAY, 13), actor=None, now=NOW, notify=False)
    return mine, other


def test_no_show_release_timing_per_resource_kind(world, full_desks,
                                                  django_capture_on_commit_callbacks):
    AccessPolicy.objects.create(network=world.network, no_show_enabled=True,
                                no_show_minutes={"meeting_room": 15})
    mine, other = full_desks
    room = book_resource(world.member, world.room, start=local(DAY, 10), end=local(DAY, 11),
                         actor=None, now=NOW, notify=False)
    other.status = BookingStatus.CHECKED_IN
    other.save()
    assert release_all_no_shows(local(DAY, 9, 59)) == 0  # open space: 60 minutes by default
    with django_capture_on_commit_callbacks(execute=True):
        assert release_all_no_shows(local(DAY, 10, 0)) == 1
    mine.refresh_from_db()
    assert mine.status == BookingStatus.NO_SHOW
    assert release_all_no_shows(local(DAY, 10, 14)) == 0  # meeting room: 15 minutes
    with django_capture_on_commit_callbacks(execute=True):
        assert release_all_no_shows(local(DAY, 10, 15)) == 1
    room.refresh_from_db()
    other.refresh_from_db()
    assert room.status == BookingStatus.NO_SHOW and other.status == BookingStatus.CHECKED_IN
    assert [m.subject for m in mail.outbox] == ["Réservation libérée – Autrans"] * 2
    assert mail.outbox[0].to == ["membre@example.org"]
    # The seat is free again for someone else.
    taker = book_resource(f.make_member(world.network), world.desks, start=local(DAY, 9),
                          end=local(DAY, 13), actor=None, now=local(DAY, 10, 16),
                          notify=False, by_staff=True)
    assert taker.status == BookingStatus.CONFIRMED


def test_no_show_release_is_off_unless_the_network_enables_it(world, full_desks):
    assert release_all_no_shows(local(DAY, 12)) == 0
    mine, _other = full_desks
    mine.refresh_from_db()
    assert mine.status == BookingStatus.CONFIRMED


def test_a_released_booking_cannot_be_checked_in(world, full_desks):
    from access.presence import check_in_booking

    AccessPolicy.objects.create(network=world.network, no_show_enabled=True)
    release_all_no_shows(local(DAY, 10, 0))
    mine, _other = full_desks
    mine.refresh_from_db()
    with pytest.raises(BookingError) as err:
        check_in_booking(mine, source="concierge", actor=None, now=local(DAY, 10, 5))
    assert err.value.code == "released"


def arrive(world, member, day, hour=9, site=None):
    PresenceEvent.objects.create(network=world.network, site=site or world.site, member=member,
                                 source="door", at=local(day, hour))


def test_attendance_figures(world):
    member = world.member
    member.status, member.home_commune = MemberStatus.EMPLOYEE, "Autrans"
    member.save()
    lou = f.make_member(world.network, status=MemberStatus.FREELANCER,
                        home_commune="Méaudre")
    # Before the period: the member came in October (not new in November).
    arrive(world, member, dt.date(2026, 10, 20))
    # November: the member 4 days (twice on the 2nd, once at Villard too on the 3rd).
    for day in (2, 3, 4, 5):
        arrive(world, member, dt.date(2026, 11, day))
    arrive(world, member, dt.date(2026, 11, 2), hour=14)
    arrive(world, member, dt.date(2026, 11, 3), hour=14, site=world.other_site)
    arrive(world, lou, dt.date(2026, 11, 4))
    register_walk_in(world.site, name="Sacha", email="sacha@example.org",
                     status=MemberStatus.JOB_SEEKER, home_commune="Méaudre",
                     now=local(dt.date(2026, 11, 5), 10))
    register_walk_in(world.site, name="Sacha", email="SACHA@example.org",
                     status=MemberStatus.JOB_SEEKER, home_commune="Méaudre",
                     now=local(dt.date(2026, 11, 6), 10))
    report = attendance(world.network, sites=[world.site, world.other_site],
                        first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30), regular_days=4)
    assert (report.visits, report.person_days, report.unique, report.new) == (8, 7, 3, 2)
    assert (report.regulars_30, report.regulars_90) == (1, 1)
    assert [(s.label, s.unique, s.person_days) for s in report.by_status] == [
        ("salarié·e en télétravail", 1, 4), ("demandeur·se d'emploi", 1, 2),
        ("indépendant·e", 1, 1)]
    assert [(s.label, s.unique, s.person_days) for s in report.by_commune] == [
        ("Autrans", 1, 4), ("Méaudre", 2, 3)]
    only_villard = attendance(world.network, sites=[world.other_site],
                              first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30))
    assert (only_villard.visits, only_villard.unique, only_villard.new) == (1, 1, 1)


def test_attendance_page_for_staff_only(client, world, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    arrive(world, world.member, DAY, hour=7)
    client.force_login(world.coordinator.user)
    page = client.get(f"/r/{world.network.slug}/accueil/frequentation/").content.decode()
    assert '<dd id="unique">1</dd>' in page and '<dd id="visits">1</dd>' in page
    response = client.get(f"/r/{world.network.slug}/accueil/frequentation/",
                          {"first": "2026-11-30", "last": "2026-11-01", "regular_days": 4})
    assert "La date de fin précède la date de début." in response.content.decode()
    client.force_login(world.member.user)
    assert client.get(f"/r/{world.network.slug}/accueil/frequentation/").status_code == 403
    villard = f.make_concierge(world.other_site)
    client.force_login(villard.user)  # sees Villard only, where nobody came
    page = client.get(f"/r/{world.network.slug}/accueil/frequentation/").content.decode()
    assert '<dd id="unique">0</dd>' in page
