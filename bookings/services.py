"""Every booking write goes through these functions: pages, staff pages, admin, API, imports
and recurring series alike.

Capacity follows "lock, re-check, write" in one transaction:
- PostgreSQL: the resource row is locked (SELECT ... FOR UPDATE), seats are re-counted, the row
  is inserted; for exclusive resources the exclusion constraint is the final guarantee.
- SQLite: transactions start IMMEDIATE (settings), which serialises writers.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import capacity
from bookings.errors import BookingError
from bookings.models import OCCUPYING_STATUSES, Booking, BookingSeries, BookingSource, BookingStatus
from bookings.rules import check_cancellation, check_duration, check_span, check_timing
from core import audit
from places.models import Resource
from places.schedule import SiteSchedule


def _lock_resource(resource: Resource) -> Resource:
    """Serialise bookings of one resource until the transaction ends (PostgreSQL row lock;
    SQLite's IMMEDIATE transaction already holds the write lock). Also reloads the resource
    with its site and network, so the rules read fresh values in the same query."""
    locked = Resource.objects.select_for_update(of=("self",)).select_related(
        "site", "network").get(pk=resource.pk)
    locked.site.network = locked.network  # same row; spares the schedule a query
    return locked


def _consumption():
    """The module that charges a member's booking to what they hold, named by
    settings.BOOKING_CONSUMPTION (billing.services.consumption): `consume` after the insert,
    `give_back` when the booking is cancelled or refused, both inside the booking's
    transaction. None when unset: bookings then cost nothing."""
    path = getattr(settings, "BOOKING_CONSUMPTION", "")
    return import_module(path) if path else None


@contextmanager
def _capacity_guard(resource: Resource):
    """The guard of "lock, re-check, write": one transaction (IMMEDIATE on SQLite) holding the
    resource's row lock (PostgreSQL). Yields the locked resource."""
    with transaction.atomic():
        yield _lock_resource(resource)


def _check_capacity(resource: Resource, start, end, seats: int, *, exclude_pk=None) -> None:
    spans, block_reason = capacity.occupancy(resource, start, end, exclude_pk=exclude_pk)
    if block_reason is not None:
        raise BookingError("blocked", _("%(resource)s est indisponible sur ce créneau%(reason)s.")
                           % {"resource": resource.name,
                              "reason": f" ({block_reason})" if block_reason else ""})
    used = capacity.peak_seats(spans, start, end)
    if used + seats > resource.seats:
        raise _taken(resource, start, end, seats, free=resource.seats - used)


def _taken(resource, start, end, seats, *, free: int) -> BookingError:
    from bookings.selectors import find_alternatives

    if resource.is_pooled and free > 0:
        message = _("Il ne reste que %(free)s place(s) libre(s) dans %(resource)s sur ce "
                    "créneau.") % {"free": free, "resource": resource.name}
    elif resource.is_pooled:
        message = _("Complet : plus aucune place libre dans %(resource)s sur ce créneau.") % {
            "resource": resource.name}
    else:
        message = _("Déjà réservé : %(resource)s est pris sur ce créneau.") % {
            "resource": resource.name}
    return BookingError("taken", message, find_alternatives(resource, start, end, seats))


def _validate(resource, start, end, seats, *, member, guest_email, now, by_staff, schedule):
    if not resource.is_active or not resource.site.is_active:
        raise BookingError("inactive", _("%(resource)s n'est pas ouvert à la réservation.") % {
            "resource": resource.name})
    if member is not None and member.network_id != resource.network_id:
        raise BookingError("wrong_network", _("Cette personne n'est pas membre de ce réseau."))
    if member is not None and not member.is_active:
        raise BookingError("inactive_member", _("L'adhésion de cette personne au réseau n'est "
                                                "plus active."))
    if member is None and not guest_email:
        raise BookingError("no_holder", _("Indiquez un membre ou l'e-mail de la personne."))
    if member is None and resource.members_only and not by_staff:
        raise BookingError("members_only", _("%(resource)s est réservé aux membres du réseau.") % {
            "resource": resource.name})
    if seats < 1 or (not resource.is_pooled and seats != 1):
        raise BookingError("seats", _("Nombre de places invalide."))
    if seats > resource.seats:
        raise BookingError("seats", _("%(resource)s ne compte que %(n)s place(s).") % {
            "resource": resource.name, "n": resource.seats})
    check_span(resource, start, end, schedule)
    check_duration(resource, start, end)
    if not by_staff:
        check_timing(resource, start, end, now)
    elif end <= now - dt.timedelta(days=1):
        raise BookingError("past", _("Ce créneau est déjà passé."))


def book_resource(member, resource: Resource, *, start: dt.datetime, end: dt.datetime,
                  actor, now: dt.datetime | None = None, seats: int = 1,
                  source: str = BookingSource.WEB, by_staff: bool = False,
                  guest_name: str = "", guest_email: str = "", note: str = "",
                  series: BookingSeries | None = None, notify: bool = True,
                  schedule: SiteSchedule | None = None) -> Booking:
    """Book `seats` of `resource` over [start, end) for a member (or a guest e-mail).

    Rules: the site is open and the span fits the booking unit; duration, notice and advance
    limits hold (staff may skip notice and advance); the resource is neither blocked nor full.
    A resource needing approval gives a pending booking unless staff book it.
    """
    now = now or timezone.now()
    try:
        # Rules and capacity are checked under the lock, on the resource as it is now.
        with _capacity_guard(resource) as locked:
            if schedule is None:
                schedule = SiteSchedule.for_day(locked.site, start.astimezone(
                    locked.network.tz).date())
            _validate(locked, start, end, seats, member=member, guest_email=guest_email,
                      now=now, by_staff=by_staff, schedule=schedule)
            _check_capacity(locked, start, end, seats)
            status = (BookingStatus.PENDING if locked.requires_approval and not by_staff
                      else BookingStatus.CONFIRMED)
            booking = Booking.objects.create(
                network_id=locked.network_id, site_id=locked.site_id, resource=locked,
                member=member, guest_name=guest_name, guest_email=guest_email.lower(),
                start=start, end=end, seats=seats, is_exclusive=not locked.is_pooled,
                status=status, source=source, series=series, note=note,
                created_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
            )
            if member is not None and (billing := _consumption()) is not None:
                billing.consume(booking, resource=locked, member=member, now=now)
            audit.record(network=locked.network, actor=actor, action="booking.created",
                         target=booking, data={"source": source, "status": status})
            if notify:
                _notify_after_commit(booking, "created")
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint caught an overlap the lock did not prevent.
        if "booking_exclusive_no_overlap" not in str(exc):
            raise
        raise _taken(resource, start, end, seats, free=0) from exc
    return booking


def cancel_booking(booking: Booking, *, actor, now: dt.datetime | None = None,
                   by_staff: bool = False, reason: str = "", notify: bool = True) -> Booking:
    """Cancel an upcoming booking. Members must do so before the resource's cancellation
    deadline; staff may cancel until the booking ends."""
    now = now or timezone.now()
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise BookingError("not_cancellable", _("Cette réservation ne peut plus être annulée "
                                                "(%(status)s).") % {
            "status": booking.get_status_display()})
    if booking.end <= now:
        raise BookingError("past", _("Cette réservation est terminée."))
    if not by_staff:
        check_cancellation(booking, now)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
            raise BookingError("not_cancellable", _("Cette réservation est déjà annulée."))
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        _give_back(locked, now=now)
        audit.record(network=locked.network, actor=actor, action="booking.cancelled",
                     target=locked, data={"by_staff": by_staff, "reason": reason})
        if notify:
            _notify_after_commit(locked, "cancelled")
    booking.refresh_from_db()
    return booking


def _give_back(booking: Booking, *, now) -> None:
    """A cancelled or refused booking gives back the allowance, tickets or charge it took."""
    if booking.member_id is not None and (billing := _consumption()) is not None:
        billing.give_back(booking, now=now)


def decide_booking(booking: Booking, *, approve: bool, actor, now=None) -> Booking:
    """Approve or refuse a booking awaiting approval (staff)."""
    if booking.status != BookingStatus.PENDING:
        raise BookingError("not_pending", _("Cette réservation n'attend pas de validation."))
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != BookingStatus.PENDING:
            raise BookingError("not_pending", _("Cette réservation n'attend pas de validation."))
        if approve:
            locked.status = BookingStatus.CONFIRMED
            locked.save(update_fields=["status"])
        else:
            locked.status = BookingStatus.CANCELLED
            locked.cancelled_at = now or timezone.now()
            locked.cancelled_by = actor
            locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
            _give_back(locked, now=locked.cancelled_at)
        audit.record(network=locked.network, actor=actor,
                     action="booking.approved" if approve else "booking.refused", target=locked)
        _notify_after_commit(locked, "approved" if approve else "refused")
    booking.refresh_from_db()
    return booking


def set_booking_status(booking: Booking, status: str, *, actor, now=None) -> Booking:
    """Record presence (checked-in), absence (no-show) or completion of an active booking.
    None of these gives back what the booking consumed: a no-show frees the seat for others
    but was not cancelled in time, and may still turn into a presence."""
    allowed = {BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW, BookingStatus.COMPLETED}
    if status not in allowed or booking.status not in OCCUPYING_STATUSES:
        raise BookingError("bad_status", _("Changement de statut impossible."))
    with transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(status=status)
        booking.status = status
        audit.record(network=booking.network, actor=actor, action=f"booking.{status}",
                     target=booking)
    return booking


@dataclass
class SeriesReport:
    series: BookingSeries | None
    booked: list[Booking] = field(default_factory=list)
    failed: list[tuple[dt.date, str]] = field(default_factory=list)


def _occurrence_dates(first: dt.date, until: dt.date, weekdays: set[int]) -> list[dt.date]:
    days, day = [], first
    while day <= until:
        if day.weekday() in weekdays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


MAX_SERIES_OCCURRENCES = 120


def book_recurring(member, resource: Resource, *, first_date: dt.date, until: dt.date,
                   weekdays: set[int], slot: str | None = None,
                   start_time: dt.time | None = None, end_time: dt.time | None = None,
                   actor, now=None, source=BookingSource.WEB, by_staff=False,
                   guest_name="", guest_email="") -> SeriesReport:
    """Book every chosen weekday from first_date to until (inclusive). Each date is booked on
    its own (local times are recomputed per date, so DST is right); dates that cannot be
    booked are reported with the reason, the others are kept."""
    now = now or timezone.now()
    if until < first_date:
        raise BookingError("invalid_series", _("La date de fin précède la date de début."))
    dates = _occurrence_dates(first_date, until, weekdays)
    if not dates:
        raise BookingError("invalid_series", _("Aucune date ne correspond à cette récurrence."))
    if len(dates) > MAX_SERIES_OCCURRENCES:
        raise BookingError("invalid_series", _("Une série compte au plus %(n)s dates.") % {
            "n": MAX_SERIES_OCCURRENCES})
    schedule = SiteSchedule(resource.site)
    names = ", ".join(str(_weekday_label(d)) for d in sorted(weekdays))
    series = BookingSeries.objects.create(
        network_id=resource.network_id, resource=resource, member=member,
        description=_("chaque %(days)s du %(first)s au %(until)s") % {
            "days": names, "first": first_date.isoformat(), "until": until.isoformat()},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    report = SeriesReport(series)
    for day in dates:
        try:
            start, end = span_for(schedule, day, slot=slot, start_time=start_time,
                                  end_time=end_time)
            report.booked.append(book_resource(
                member, resource, start=start, end=end, actor=actor, now=now, source=source,
                by_staff=by_staff, guest_name=guest_name, guest_email=guest_email,
                series=series, notify=False, schedule=schedule))
        except BookingError as err:
            report.failed.append((day, err.full_message()))
    if not report.booked:
        series.delete()
        report.series = None
    elif member is not None:
        from bookings.tasks import send_series_summary

        transaction.on_commit(lambda: send_series_summary(series.pk))
    return report


def book_date_range(member, resource: Resource, *, first_date: dt.date, last_date: dt.date,
                    actor, now=None, source=BookingSource.WEB, by_staff=False, seats=1,
                    guest_name="", guest_email="") -> SeriesReport:
    """Book whole days from first_date to last_date, all or nothing. Days when the site is
    closed are skipped and reported; any other refusal cancels the whole request."""
    now = now or timezone.now()
    if last_date < first_date:
        raise BookingError("invalid_series", _("La date de fin précède la date de début."))
    if (last_date - first_date).days >= 62:
        raise BookingError("invalid_series", _("Une période compte au plus 62 jours."))
    schedule = SiteSchedule(resource.site)
    report = SeriesReport(None)
    with transaction.atomic():
        report.series = BookingSeries.objects.create(
            network_id=resource.network_id, resource=resource, member=member,
            description=_("du %(first)s au %(last)s") % {"first": first_date.isoformat(),
                                                         "last": last_date.isoformat()},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        day = first_date
        while day <= last_date:
            span = schedule.slot(day, "day")
            if span is None:
                reason = schedule.day(day).closure_reason or _("fermé")
                report.failed.append((day, reason))
            else:
                try:
                    report.booked.append(book_resource(
                        member, resource, start=span[0], end=span[1], actor=actor, now=now,
                        seats=seats, source=source, by_staff=by_staff, guest_name=guest_name,
                        guest_email=guest_email, series=report.series, notify=False,
                        schedule=schedule))
                except BookingError as err:
                    err.message = _("Le %(day)s : %(reason)s") % {"day": day.strftime("%d/%m/%Y"),
                                                                "reason": err.message}
                    raise
            day += dt.timedelta(days=1)
        if not report.booked:
            raise BookingError("closed", _("Le lieu est fermé sur toute cette période."))
        if member is not None:
            from bookings.tasks import send_series_summary

            series_pk = report.series.pk
            transaction.on_commit(lambda: send_series_summary(series_pk))
    return report


def span_for(schedule: SiteSchedule, day: dt.date, *, slot=None, start_time=None,
             end_time=None) -> tuple[dt.datetime, dt.datetime]:
    """The UTC span of a slot ('morning', 'afternoon', 'day') or of local times on a date."""
    if slot:
        span = schedule.slot(day, slot)
        if span is None:
            hours = schedule.day(day)
            if not hours.is_open:
                reason = hours.closure_reason
                raise BookingError("closed", (_("%(site)s est fermé ce jour-là (%(reason)s).") % {
                    "site": schedule.site.name, "reason": reason}) if reason else
                    _("%(site)s est fermé ce jour-là.") % {"site": schedule.site.name})
            raise BookingError("unit", _("Pas de demi-journée ce jour-là : %(site)s est ouvert "
                                         "%(hours)s.") % {"site": schedule.site.name,
                                                          "hours": hours.describe()})
        return span
    if start_time is None or end_time is None:
        raise BookingError("invalid_span", _("Indiquez un créneau ou des heures de début et de "
                                             "fin."))
    return schedule.local(day, start_time), schedule.local(day, end_time)


def _weekday_label(weekday: int):
    from places.models import Weekday

    return Weekday(weekday).label


def _notify_after_commit(booking: Booking, event: str) -> None:
    from bookings.tasks import send_booking_email

    if booking.member_id is None and not booking.guest_email:
        return
    transaction.on_commit(lambda: send_booking_email(booking.pk, event))
