"""Booking e-mails, sent in the background after the booking's transaction commits."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_task

from bookings.ical import booking_ics
from bookings.models import Booking, BookingSeries

SUBJECTS = {
    "created": _("Réservation confirmée"),
    "pending": _("Demande de réservation reçue"),
    "cancelled": _("Réservation annulée"),
    "approved": _("Réservation validée"),
    "refused": _("Réservation refusée"),
}


def _recipient(booking) -> str:
    return booking.member.user.email if booking.member_id else booking.guest_email


@db_task(retries=3, retry_delay=60)
def send_booking_email(booking_id: int, event: str) -> int:
    booking = (Booking.objects.select_related("resource", "site", "network", "member__user")
               .filter(pk=booking_id).first())
    if booking is None:
        return 0
    if event == "created" and booking.status == "pending":
        event = "pending"
    with translation.override(settings.LANGUAGE_CODE):
        context = {"booking": booking, "event": event, "site_url": settings.SITE_URL}
        body = render_to_string("bookings/email/booking.txt", context)
        subject = f"{SUBJECTS[event]} – {booking.site.name}"
    message = EmailMessage(subject=subject, body=body, to=[_recipient(booking)],
                           connection=get_connection(settings.EMAIL_DELIVERY_BACKEND))
    message.attach(f"reservation-{booking.pk}.ics", booking_ics(booking),
                   "text/calendar; charset=utf-8; method="
                   + ("CANCEL" if event in ("cancelled", "refused") else "PUBLISH"))
    return message.send()


@db_task(retries=3, retry_delay=60)
def send_series_summary(series_id: int) -> int:
    series = BookingSeries.objects.select_related("member__user", "resource__site").filter(
        pk=series_id).first()
    if series is None or series.member is None:
        return 0
    bookings = list(series.bookings.select_related("resource", "site", "network")
                    .order_by("start"))
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("bookings/email/series.txt", {
            "series": series, "bookings": bookings, "site_url": settings.SITE_URL})
    message = EmailMessage(
        subject=f"{_('Réservations enregistrées')} – {series.resource.site.name}", body=body,
        to=[series.member.user.email], connection=get_connection(settings.EMAIL_DELIVERY_BACKEND))
    if bookings:
        from bookings.ical import feed_ics

        message.attach("reservations.ics", feed_ics(series.member, bookings), "text/calendar")
    return message.send()
