"""Writes of the public directory: guest booking requests, their confirmation, and attaching
guest bookings to the account a person creates later."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import capacity
from bookings.errors import BookingError
from bookings.models import Booking, BookingSource
from bookings.rules import check_timing
from bookings.services import book_resource
from core import audit
from directory.models import GuestBookingRequest, GuestRequestStatus
from places.models import BookingUnit, Resource

TOKEN_SALT = "directory.guest-booking"  # noqa: S105 - a signing salt, not a secret
# Defaults; DIRECTORY_GUEST_LIMITS in the settings overrides any of them.
DEFAULT_LIMITS = {
    "per_ip": 10,  # requests per IP address per window
    "per_email": 3,  # requests per e-mail address per window
    "window_minutes": 60,
    "confirm_hours": 24,  # an unconfirmed request expires after this
}


def limits() -> dict:
    return {**DEFAULT_LIMITS, **getattr(settings, "DIRECTORY_GUEST_LIMITS", {})}


def guest_bookable(resource: Resource) -> bool:
    """Guests book desks (or an office) by the half-day or the day, never members-only ones."""
    return (resource.is_active and not resource.members_only
            and resource.booking_unit in (BookingUnit.HALF_DAY, BookingUnit.DAY))


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt in a fixed window; True while under the limit."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def _check_rate(ip: str | None, email: str) -> None:
    cfg = limits()
    window = int(cfg["window_minutes"]) * 60
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    ok_ip = _hit(f"directory:guest:ip:{ip}", int(cfg["per_ip"]), window) if ip else True
    ok_email = _hit(f"directory:guest:email:{digest}", int(cfg["per_email"]), window)
    if not (ok_ip and ok_email):
        raise BookingError("rate_limited", _("Trop de demandes de réservation en peu de temps : "
                                             "réessayez dans une heure."))


def make_token(request: GuestBookingRequest) -> str:
    return signing.dumps(request.pk, salt=TOKEN_SALT, compress=False)


def request_from_token(token: str) -> GuestBookingRequest | None:
    try:
        pk = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return (GuestBookingRequest.objects.select_related("resource__site", "network", "booking")
            .filter(pk=pk).first())


def request_guest_booking(resource: Resource, *, start: dt.datetime, end: dt.datetime,
                          guest_email: str, guest_name: str = "", ip: str | None = None,
                          now: dt.datetime | None = None) -> GuestBookingRequest:
    """Record a guest's request and e-mail the confirmation link; nothing is booked yet.

    Rules: the resource is guest-bookable, the slot is in the future within the booking
    window and free now (checked again at confirmation); at most `per_ip` and `per_email`
    requests per window (Django's cache)."""
    now = now or timezone.now()
    email = guest_email.strip().lower()
    if not guest_bookable(resource) or not resource.site.is_active:
        raise BookingError("members_only", _("%(resource)s ne se réserve pas sans compte.") % {
            "resource": resource.name})
    check_timing(resource, start, end, now)
    _check_rate(ip, email)
    if not capacity.is_free(resource, start, end):
        raise BookingError("taken", _("Complet : plus aucune place libre dans %(resource)s sur "
                                      "ce créneau.") % {"resource": resource.name})
    hours = int(limits()["confirm_hours"])
    with transaction.atomic():
        request = GuestBookingRequest.objects.create(
            network_id=resource.network_id, resource=resource, start=start, end=end,
            guest_name=guest_name.strip(), guest_email=email, ip_address=ip, created_at=now,
            expires_at=now + dt.timedelta(hours=hours))
        audit.record(network=resource.network, actor=None, action="guest_request.created",
                     target=request, data={"resource": resource.pk})
        url = settings.SITE_URL.rstrip("/") + reverse("directory_guest_confirm",
                                                      args=[make_token(request)])
        body = render_to_string("directory/email/confirm.txt", {
            "request": request, "site": resource.site, "url": url, "hours": hours})
        send_mail(_("Confirmez votre réservation – %(site)s") % {"site": resource.site.name},
                  body, None, [email])
    return request


def confirm_guest_booking(request: GuestBookingRequest, *,
                          now: dt.datetime | None = None) -> GuestBookingRequest:
    """Turn a pending request into a booking, once. A confirmed, refused or expired request is
    returned unchanged (a replayed link books nothing twice); a slot taken meanwhile refuses
    the request with the reason."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = GuestBookingRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != GuestRequestStatus.PENDING:
            return locked
        if locked.expires_at <= now:
            locked.status = GuestRequestStatus.EXPIRED
            locked.save(update_fields=["status"])
            return locked
        try:
            with transaction.atomic():
                booking = book_resource(
                    None, locked.resource, start=locked.start, end=locked.end, actor=None,
                    now=now, guest_name=locked.guest_name, guest_email=locked.guest_email,
                    source=BookingSource.WEB)
        except BookingError as err:
            locked.status = GuestRequestStatus.REFUSED
            locked.refusal = err.message[:255]
            locked.save(update_fields=["status", "refusal"])
            return locked
        locked.status = GuestRequestStatus.CONFIRMED
        locked.booking = booking
        locked.confirmed_at = now
        locked.save(update_fields=["status", "booking", "confirmed_at"])
        audit.record(network=locked.network, actor=None, action="guest_request.confirmed",
                     target=locked, data={"booking": booking.pk})
    return locked


def expire_guest_requests(*, now: dt.datetime | None = None) -> int:
    """Mark pending requests past their expiry as expired; returns how many."""
    now = now or timezone.now()
    return GuestBookingRequest.objects.filter(
        status=GuestRequestStatus.PENDING, expires_at__lte=now).update(
        status=GuestRequestStatus.EXPIRED)


def attach_guest_bookings(user, *, actor=None) -> list[Booking]:
    """Give a new account the bookings made as a guest with its (verified) e-mail address: the
    person joins each network concerned and becomes the bookings' member. Networks closed to
    free registration keep the bookings as guest bookings (their staff add members)."""
    from allauth.account.models import EmailAddress

    from members.services import MembershipError, join_network

    emails = set(EmailAddress.objects.filter(user=user, verified=True)
                 .values_list("email", flat=True))
    emails = {e.lower() for e in emails}
    if not emails:
        return []
    attached = []
    with transaction.atomic():
        guest_bookings = list(Booking.objects.select_for_update(of=("self",))
                              .filter(member__isnull=True, guest_email__in=emails)
                              .select_related("network"))
        members = {}
        for booking in guest_bookings:
            if booking.network_id not in members:
                try:
                    members[booking.network_id] = join_network(user, booking.network,
                                                               actor=None)
                except MembershipError:
                    members[booking.network_id] = None
            member = members[booking.network_id]
            if member is None:
                continue
            booking.member = member
            booking.save(update_fields=["member"])
            audit.record(network=booking.network, actor=actor or user,
                         action="booking.guest_attached", target=booking,
                         data={"guest_email": booking.guest_email})
            attached.append(booking)
    return attached
