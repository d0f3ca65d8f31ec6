"""iCalendar output (RFC 5545) with the icalendar library: one event per booking, in UTC
with the site's local time zone stated, so every calendar shows the right hour across DST."""

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from bookings.models import BookingStatus


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//maillage//réservations//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    return cal


def _event(booking) -> Event:
    tz = booking.network.tz
    event = Event()
    event.add("uid", f"booking-{booking.pk}@maillage")
    event.add("summary", f"{booking.resource.name} – {booking.site.name}")
    event.add("dtstart", booking.start.astimezone(tz))
    event.add("dtend", booking.end.astimezone(tz))
    event.add("dtstamp", booking.created_at)
    event.add("location", vText(f"{booking.site.name}, {booking.site.address}, "
                                f"{booking.site.postcode} {booking.site.city}"))
    event.add("status", "CANCELLED" if booking.status == BookingStatus.CANCELLED else
              ("TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED"))
    event.add("url", f"{settings.SITE_URL}/r/{booking.network.slug}/mes-reservations/")
    if booking.site.email:
        event.add("organizer", vCalAddress(f"mailto:{booking.site.email}"))
    return event


def booking_ics(booking) -> bytes:
    cal = _calendar(booking.network.name)
    method = "CANCEL" if booking.status == BookingStatus.CANCELLED else "PUBLISH"
    cal.add("method", method)
    cal.add_component(_event(booking))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(member, bookings) -> bytes:
    cal = _calendar(f"{member.network.name} – mes réservations")
    for booking in bookings:
        cal.add_component(_event(booking))
    cal.add_missing_timezones()
    return cal.to_ical()
