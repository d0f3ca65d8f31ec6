"""Presence: arrivals by door, QR code, concierge or kiosk, check-in of bookings, walk-ins,
and the release of bookings nobody came to (no-show)."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from access.models import (
    Invitation,
    NoShowWarning,
    PresenceDirection,
    PresenceEvent,
    PresenceSource,
    Visit,
)
from access.rules import DEFAULT_NO_SHOW_MINUTES, policy_for
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from bookings.services import set_booking_status
from core import audit
from members.models import MemberStatus

CHECK_IN_SALT = "maillage.access.checkin"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def record_presence(site, *, at: dt.datetime, source: str, member=None, visit=None,
                    booking=None, controller=None, event_id: str = "", actor=None,
                    direction: str = PresenceDirection.ARRIVAL,
                    savepoint: bool = True) -> PresenceEvent | None:
    """Append a presence event. A controller event already recorded (replayed upload) is
    ignored and None returned. `savepoint=False` when the caller has already made sure the
    event cannot be a duplicate (the door's decision with the same event id was just
    inserted): two round trips fewer on the door's path."""
    if not savepoint:
        return PresenceEvent.objects.create(
            network_id=site.network_id, site=site, member=member, visit=visit,
            booking=booking, source=source, direction=direction, at=at,
            controller=controller, event_id=event_id, recorded_by=_user(actor))
    try:
        with transaction.atomic():
            return PresenceEvent.objects.create(
                network_id=site.network_id, site=site, member=member, visit=visit,
                booking=booking, source=source, direction=direction, at=at,
                controller=controller, event_id=event_id, recorded_by=_user(actor))
    except IntegrityError:
        if controller is not None and event_id:
            return None
        raise


def check_in_current_bookings(member, site, *, at: dt.datetime, actor,
                              policy=None) -> list[Booking]:
    """Mark as checked in the member's bookings at this site that cover `at` (from a door
    entry: the person is here)."""
    policy = policy or policy_for(site.network)
    margin = dt.timedelta(minutes=policy.code_margin_minutes)
    bookings = list(Booking.objects.filter(
        member=member, site=site, status=BookingStatus.CONFIRMED,
        start__lte=at + margin, end__gt=at).select_related("network"))
    for booking in bookings:
        set_booking_status(booking, BookingStatus.CHECKED_IN, actor=actor, now=at)
    return bookings


def check_in_booking(booking: Booking, *, source: str, actor, now: dt.datetime) -> Booking:
    """Record that the booking's holder is here (QR scan, concierge, door). Only on the day
    of the booking, from the margin before its start until its end; checking in twice is
    harmless."""
    margin = dt.timedelta(minutes=policy_for(booking.network).code_margin_minutes)
    if booking.status == BookingStatus.CHECKED_IN:
        return booking
    if booking.status == BookingStatus.NO_SHOW:
        raise BookingError("released", _("Cette réservation a été libérée faute de présence : "
                                         "réservez à nouveau."))
    if booking.status != BookingStatus.CONFIRMED:
        raise BookingError("bad_status", _("Cette réservation ne peut pas être pointée "
                                           "(%(status)s).") % {
            "status": booking.get_status_display()})
    if not (booking.start - margin <= now < booking.end):
        raise BookingError("not_now", _("Le pointage est possible de %(margin)s minutes avant "
                                        "le début jusqu'à la fin de la réservation.") % {
            "margin": policy_for(booking.network).code_margin_minutes})
    with transaction.atomic():
        set_booking_status(booking, BookingStatus.CHECKED_IN, actor=actor, now=now)
        if booking.member_id:
            record_presence(booking.site, at=now, source=source, member=booking.member,
                            booking=booking, actor=actor)
        else:
            # A guest booking (no member account): the guest is counted as a visit, so
            # attendance covers everybody who came.
            visit = _guest_visit(booking.site, at=now, name=booking.guest_name,
                                 email=booking.guest_email, booking=booking,
                                 purpose=booking.resource.name)
            record_presence(booking.site, at=now, source=source, visit=visit, booking=booking,
                            actor=actor)
    return booking


def _guest_visit(site, *, at, name, email, purpose, invitation=None, booking=None,
                 invited_by=None) -> Visit:
    """The guest's visit of that local day: a second entry the same day reuses it."""
    from access.selectors import local_day_bounds

    start, end = local_day_bounds(site.network, at.astimezone(site.network.tz).date())
    found = Visit.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
    found = (found.filter(invitation=invitation) if invitation is not None
             else found.filter(booking=booking)).first()
    if found is not None:
        return found
    return Visit.objects.create(
        network_id=site.network_id, site=site, name=(name or email)[:200], email=email,
        status=MemberStatus.OTHER, purpose=purpose[:200], invited_by=invited_by,
        invitation=invitation, booking=booking, created_at=at)


def guest_arrival_by_invitation(invitation: Invitation, site, *, at: dt.datetime,
                                controller=None, event_id: str = "",
                                source: str = PresenceSource.DOOR) -> PresenceEvent | None:
    """A guest's code opened the door: their visit is recorded under the member who invited
    them (Visit.invited_by), once per day, with this entry."""
    with transaction.atomic():
        visit = _guest_visit(site, at=at, name=invitation.guest_name,
                             email=invitation.guest_email, invitation=invitation,
                             invited_by=invitation.member,
                             purpose=_("Invité·e de %(name)s") % {
                                 "name": invitation.member.display_name})
        return record_presence(site, at=at, source=source, visit=visit, controller=controller,
                               event_id=event_id)


def guest_arrival_by_booking(booking: Booking, site, *, at: dt.datetime, controller=None,
                             event_id: str = "", source: str = PresenceSource.DOOR,
                             actor=None) -> PresenceEvent | None:
    """A guest booking's code (booking without a member account, e.g. from the public
    directory) opened the door: a visit linked to the booking, its entry, and the booking
    checked in if it is under way."""
    with transaction.atomic():
        visit = _guest_visit(site, at=at, name=booking.guest_name, email=booking.guest_email,
                             booking=booking, purpose=booking.resource.name)
        event = record_presence(site, at=at, source=source, visit=visit, booking=booking,
                                controller=controller, event_id=event_id, actor=actor)
        if booking.status == BookingStatus.CONFIRMED and booking.start - dt.timedelta(
                minutes=policy_for(booking.network).code_margin_minutes) <= at < booking.end:
            set_booking_status(booking, BookingStatus.CHECKED_IN, actor=actor, now=at)
    return event


def invitation_for_walk_in(site, email: str, *, day: dt.date) -> Invitation | None:
    """Today's invitation of this e-mail at this site, if a member declared one."""
    return (Invitation.objects.select_related("member__user")
            .filter(site=site, day=day, guest_email__iexact=email.strip(),
                    cancelled_at__isnull=True).first())


def check_in_token(booking: Booking) -> str:
    """The signed content of a booking's QR code (scanned at the site's tablet)."""
    return signing.dumps({"b": booking.pk, "n": booking.network_id}, salt=CHECK_IN_SALT,
                         compress=True)


def booking_from_token(token: str, *, site) -> Booking | None:
    try:
        data = signing.loads(token, salt=CHECK_IN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("n") != site.network_id:
        return None
    return (Booking.objects.select_related("network", "site", "member__user", "resource")
            .filter(pk=data.get("b"), site=site).first())


def register_walk_in(site, *, name: str, email: str, status: str, purpose: str = "",
                     home_commune: str = "", invited_by=None, now: dt.datetime,
                     actor=None, source: str = PresenceSource.KIOSK) -> Visit:
    """A visitor registers at the kiosk (or a member declares a guest): recorded as a visit
    with its arrival. A guest a member invited for today (Invitation, same e-mail) is
    recorded under that member even without naming them. The day pass, when the network
    sells one, is billed by billing.services.walkin (called by the kiosk view)."""
    invitation = None
    if invited_by is None:
        invitation = invitation_for_walk_in(site, email, day=now.astimezone(
            site.network.tz).date())
        invited_by = invitation.member if invitation else None
    with transaction.atomic():
        visit = Visit.objects.create(
            network_id=site.network_id, site=site, name=name.strip(), email=email.strip().lower(),
            status=status, purpose=purpose.strip(), home_commune=home_commune.strip(),
            invited_by=invited_by, invitation=invitation, created_at=now)
        record_presence(site, at=now, source=source, visit=visit, actor=actor)
        audit.record(network=site.network, actor=actor, action="access.walk_in", target=visit,
                     data={"site": site.pk, "invited_by": invited_by.pk if invited_by else None})
    return visit


def record_departure(site, *, member=None, visit=None, now: dt.datetime, actor):
    return record_presence(site, at=now, source=PresenceSource.CONCIERGE, member=member,
                           visit=visit, actor=actor, direction=PresenceDirection.DEPARTURE)


def no_show_minutes(policy, kind: str) -> int:
    return int((policy.no_show_minutes or {}).get(kind, DEFAULT_NO_SHOW_MINUTES.get(kind, 60)))


def _longest_delay(policy) -> int:
    return max([no_show_minutes(policy, k) for k in DEFAULT_NO_SHOW_MINUTES]
               + [int(v) for v in (policy.no_show_minutes or {}).values()])


def warn_upcoming_no_shows(network, *, now: dt.datetime) -> list[Booking]:
    """Warn the holder of each confirmed booking nobody checked in to, from
    `no_show_warning_minutes` before its release (see release_no_shows) until the release.
    Once per booking (a NoShowWarning row, unique per booking); the e-mail leaves after the
    commit."""
    policy = policy_for(network)
    if not (policy.no_show_enabled and policy.no_show_warning_minutes):
        return []
    ahead = dt.timedelta(minutes=policy.no_show_warning_minutes)
    candidates = (Booking.objects.filter(
        network=network, status=BookingStatus.CONFIRMED, end__gt=now, start__lte=now + ahead,
        start__gte=now - dt.timedelta(minutes=_longest_delay(policy)))
        .filter(no_show_warning__isnull=True)
        .select_related("resource"))
    warned = []
    for booking in candidates:
        release_at = booking.start + dt.timedelta(
            minutes=no_show_minutes(policy, booking.resource.kind))
        if not (release_at - ahead <= now < release_at):
            continue
        with transaction.atomic():
            if not Booking.objects.select_for_update().filter(
                    pk=booking.pk, status=BookingStatus.CONFIRMED).exists():
                continue  # checked in or cancelled meanwhile
            try:
                with transaction.atomic():
                    NoShowWarning.objects.create(network=network, booking=booking,
                                                 release_at=release_at, sent_at=now)
            except IntegrityError:
                continue  # another run warned first
            from access.tasks import send_no_show_warning_email

            pk = booking.pk
            transaction.on_commit(lambda pk=pk: send_no_show_warning_email(pk))
        warned.append(booking)
    return warned


def release_no_shows(network, *, now: dt.datetime, actor=None) -> list[Booking]:
    """Release the network's confirmed bookings nobody checked in to, X minutes after their
    start (X per resource kind), if the network enabled it. The seat is freed (no-show does
    not occupy) and the member is told by e-mail after the commit."""
    policy = policy_for(network)
    if not policy.no_show_enabled:
        return []
    longest = _longest_delay(policy)
    candidates = (Booking.objects.filter(network=network, status=BookingStatus.CONFIRMED,
                                         start__lte=now, end__gt=now,
                                         start__gte=now - dt.timedelta(minutes=longest + 1440))
                  .select_related("resource", "network", "site", "member__user"))
    released = []
    for booking in candidates:
        if now < booking.start + dt.timedelta(minutes=no_show_minutes(policy,
                                                                       booking.resource.kind)):
            continue
        with transaction.atomic():
            locked = Booking.objects.select_for_update().filter(
                pk=booking.pk, status=BookingStatus.CONFIRMED).first()
            if locked is None:
                continue  # checked in or cancelled meanwhile
            set_booking_status(booking, BookingStatus.NO_SHOW, actor=actor, now=now)
            if booking.member_id or booking.guest_email:
                from access.tasks import send_no_show_email

                pk = booking.pk
                transaction.on_commit(lambda pk=pk: send_no_show_email(pk))
        released.append(booking)
    return released
