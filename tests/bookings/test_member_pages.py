import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import book_resource
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def frozen(monkeypatch, now):
    """Pin the clock the views read (timezone.now) to the personas' Monday morning."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def book_url(world, resource):
    return reverse("book_resource", args=[world.network.slug, resource.pk])


def test_member_sees_network_sites_with_services_and_hours(client, world, frozen):
    client.force_login(world.member.user)
    response = client.get(reverse("network_home", args=["vercors"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Autrans" in html and "Villard-de-Lans" in html
    assert "Réseau Gers" not in html and "Auch" not in html
    assert "09:00–18:00" in html


def test_member_books_a_half_day_desk_from_the_form(client, world, frozen,
                                                     django_capture_on_commit_callbacks):
    client.force_login(world.member.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(world, world.desks), {
            "date": "2026-11-24", "slot": "afternoon", "seats": "1", "repeat": "once"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (local(TUESDAY, 13), local(TUESDAY, 18))
    assert booking.member == world.member and booking.source == "web"
    assert len(mail.outbox) == 1
    page = client.get(reverse("my_bookings", args=["vercors"])).content.decode()
    assert "Open space Autrans" in page and "13:00–18:00" in page


def test_refused_booking_keeps_the_form_and_explains(client, world, frozen):
    book_resource(world.member, world.office, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=frozen)
    client.force_login(world.member.user)
    response = client.post(book_url(world, world.office), {
        "date": "2026-11-24", "slot": "morning", "repeat": "once"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Déjà réservé : Bureau fermé est pris sur ce créneau." in html
    assert "après-midi (13:00–18:00)" in html  # nearest alternative offered
    assert 'value="2026-11-24"' in html  # what was typed is kept
    assert Booking.objects.count() == 1


def test_weekly_series_reports_dates_that_could_not_be_booked(client, world, frozen):
    from places.models import OpeningException

    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=dt.date(2026, 12, 8),
                                    end_date=dt.date(2026, 12, 8), reason="inventaire")
    client.force_login(world.member.user)
    response = client.post(book_url(world, world.desks), {
        "date": "2026-11-24", "slot": "morning", "seats": "1", "repeat": "weekly",
        "until": "2026-12-15", "weekdays": ["1"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 dates réservées" in html
    assert "1 date non réservée" in html and "inventaire" in html
    assert Booking.objects.filter(member=world.member).count() == 3


def test_member_cancels_before_deadline_but_not_after(client, world, frozen):
    booking = book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=frozen)
    late = book_resource(world.member, world.desks, start=local(dt.date(2026, 11, 23), 9),
                         end=local(dt.date(2026, 11, 23), 13), actor=world.member.user,
                         now=frozen)
    client.force_login(world.member.user)
    url = reverse("cancel_booking", args=["vercors", late.pk])
    response = client.post(url, follow=True)
    assert "Trop tard pour annuler" in response.content.decode()
    late.refresh_from_db()
    assert late.status == BookingStatus.CONFIRMED
    client.post(reverse("cancel_booking", args=["vercors", booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_member_cannot_cancel_someone_elses_booking(client, world, frozen):
    from tests import factories as f

    other = f.make_member(world.network)
    booking = book_resource(other, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                            actor=other.user, now=frozen)
    client.force_login(world.member.user)
    response = client.post(reverse("cancel_booking", args=["vercors", booking.pk]))
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_calendar_feed_and_ics_parse_with_paris_time(client, world, frozen):
    from icalendar import Calendar

    booking = book_resource(world.member, world.desks, start=local(TUESDAY, 9),
                            end=local(TUESDAY, 13), actor=world.member.user, now=frozen)
    feed = client.get(f"/calendrier/{world.member.calendar_token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start == local(TUESDAY, 9) and str(start.tzinfo) == "Europe/Paris"
    assert events[0]["uid"] == f"booking-{booking.pk}@maillage"
    assert client.get("/calendrier/not-a-token.ics").status_code == 404
    client.force_login(world.member.user)
    one = client.get(reverse("booking_ics", args=["vercors", booking.pk]))
    assert Calendar.from_ical(one.content).walk("VEVENT")[0].decoded("dtend") == local(TUESDAY, 13)


def test_my_bookings_query_count_does_not_grow(client, world, frozen,
                                              django_assert_max_num_queries):
    client.force_login(world.member.user)
    url = reverse("my_bookings", args=["vercors"])
    for offset in range(1, 26):
        day = TUESDAY + dt.timedelta(days=offset)
        if day.weekday() < 5:
            book_resource(world.member, world.desks, start=local(day, 9), end=local(day, 13),
                          actor=world.member.user, now=frozen)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count('class="booking"') == 18


@pytest.mark.parametrize("extra_bookings", [0, 20])
def test_network_and_site_pages_query_count_is_bounded(client, world, frozen, extra_bookings,
                                                       django_assert_max_num_queries):
    from tests import factories as f

    for i in range(extra_bookings):
        member = f.make_member(world.network)
        if i < 8:  # fill the 8-seat open space in the morning
            start, end, resource = local(TUESDAY, 9), local(TUESDAY, 13), world.desks
        else:  # and the room by half-hours from 09:00
            start = local(TUESDAY, 9) + dt.timedelta(minutes=30 * (i - 8))
            end, resource = start + dt.timedelta(minutes=30), world.room
        book_resource(member, resource, start=start, end=end, actor=member.user, now=frozen)
    client.force_login(world.member.user)
    with django_assert_max_num_queries(14):
        home = client.get(reverse("network_home", args=["vercors"]), {"date": "2026-11-24"})
    with django_assert_max_num_queries(14):
        site = client.get(reverse("site_detail", args=["vercors", "autrans"]),
                          {"date": "2026-11-24"})
    assert home.status_code == site.status_code == 200
    morning = '<span class="full">0</span>' if extra_bookings else '<span class="free">8</span>'
    assert morning in home.content.decode()
