"""Background work of the access app: no-show release, its e-mail, nonce purge."""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from access.models import AccessPolicy, ControllerNonce
from access.presence import release_no_shows, warn_upcoming_no_shows
from bookings.models import Booking


@db_task(retries=3, retry_delay=60)
def send_no_show_email(booking_id: int) -> int:
    booking = (Booking.objects.select_related("resource", "site", "network", "member__user")
               .filter(pk=booking_id).first())
    if booking is None:
        return 0
    to = booking.member.user.email if booking.member_id else booking.guest_email
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("access/email/no_show.txt", {
            "booking": booking, "site_url": settings.SITE_URL})
        subject = f"{_('Réservation libérée')} – {booking.site.name}"
    return EmailMessage(subject=subject, body=body, to=[to],
                        connection=get_connection(settings.EMAIL_DELIVERY_BACKEND)).send()


@db_task(retries=3, retry_delay=60)
def send_no_show_warning_email(booking_id: int) -> int:
    """Sent once per booking (see warn_upcoming_no_shows); says when the release happens."""
    from access.models import NoShowWarning

    warning = (NoShowWarning.objects.select_related(
        "booking__resource", "booking__site", "booking__network", "booking__member__user")
        .filter(booking_id=booking_id).first())
    if warning is None:
        return 0
    booking = warning.booking
    to = booking.member.user.email if booking.member_id else booking.guest_email
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("access/email/no_show_warning.txt", {
            "booking": booking, "release_at": warning.release_at,
            "site_url": settings.SITE_URL})
        subject = f"{_('Signalez votre arrivée')} – {booking.site.name}"
    return EmailMessage(subject=subject, body=body, to=[to],
                        connection=get_connection(settings.EMAIL_DELIVERY_BACKEND)).send()


def warn_all_no_shows(now=None) -> int:
    """Every network that enabled release and warnings."""
    now = now or timezone.now()
    count = 0
    for policy in (AccessPolicy.objects.filter(no_show_enabled=True,
                                               no_show_warning_minutes__gt=0)
                   .select_related("network")):
        count += len(warn_upcoming_no_shows(policy.network, now=now))
    return count


def release_all_no_shows(now=None) -> int:
    """Every network that enabled it; one transaction per booking (see release_no_shows)."""
    now = now or timezone.now()
    count = 0
    for policy in AccessPolicy.objects.filter(no_show_enabled=True).select_related("network"):
        count += len(release_no_shows(policy.network, now=now))
    return count


@db_periodic_task(crontab(minute="*/5"))
def release_no_shows_periodically():
    # Every 5 minutes: a warning leaves up to 5 minutes later than configured.
    now = timezone.now()
    return warn_all_no_shows(now), release_all_no_shows(now)


def purge_nonces(now=None) -> int:
    now = now or timezone.now()
    keep = dt.timedelta(seconds=2 * getattr(settings, "ACCESS_SIGNATURE_MAX_SKEW", 60))
    return ControllerNonce.objects.filter(seen_at__lt=now - keep).delete()[0]


@db_periodic_task(crontab(minute="*/10"))
def purge_nonces_periodically():
    return purge_nonces()
