"""The rules a booking must satisfy before capacity is even looked at.

Each refusal is a BookingError with a precise French message; nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.errors import BookingError
from places.models import BookingUnit, Resource
from places.schedule import SiteSchedule


def _fmt_day(day: dt.date) -> str:
    return formats.date_format(day, "l j F Y")


def format_minutes(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(n)d jour", "%(n)d jours", days) % {"n": days}
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    if minutes > 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes} min"


def check_span(resource: Resource, start: dt.datetime, end: dt.datetime,
               schedule: SiteSchedule) -> None:
    """The span fits the site's opening and the resource's booking unit."""
    if end <= start:
        raise BookingError("invalid_span", _("La fin doit être après le début."))
    tz = schedule.tz
    ls, le = start.astimezone(tz), end.astimezone(tz)
    if ls.date() != le.date():
        raise BookingError(
            "multi_day",
            _("Une réservation tient dans une seule journée ; pour plusieurs jours, réservez "
              "une période (un créneau par jour)."),
        )
    day = ls.date()
    hours = schedule.day(day)
    if not hours.is_open:
        if hours.closure_reason:
            raise BookingError("closed", _("%(site)s est fermé le %(day)s (%(reason)s).") % {
                "site": resource.site.name, "day": _fmt_day(day), "reason": hours.closure_reason})
        raise BookingError("closed", _("%(site)s est fermé le %(day)s.") % {
            "site": resource.site.name, "day": _fmt_day(day)})

    unit = resource.booking_unit
    if unit in (BookingUnit.HALF_DAY, BookingUnit.DAY):
        allowed = ("morning", "afternoon", "day") if unit == BookingUnit.HALF_DAY else ("day",)
        spans = [schedule.slot(day, name) for name in allowed]
        if (start, end) not in [s for s in spans if s]:
            if ls.time() < hours.opens or le.time() > hours.closes:
                raise _outside_hours(resource, day, hours)
            if unit == BookingUnit.DAY:
                raise BookingError("unit", _("%(resource)s se réserve à la journée "
                                             "(%(hours)s).") % {
                    "resource": resource.name,
                    "hours": f"{hours.opens:%H:%M}–{hours.closes:%H:%M}"})
            raise BookingError("unit", _(
                "%(resource)s se réserve à la demi-journée (matin jusqu'à %(split)s, après-midi "
                "à partir de %(split)s) ou à la journée.") % {
                "resource": resource.name, "split": f"{resource.site.half_day_split:%H:%M}"})
    else:  # hourly
        if ls.minute % 30 or le.minute % 30 or ls.second or le.second:
            raise BookingError("unit", _(
                "%(resource)s se réserve par heure ou demi-heure (début et fin à :00 ou :30).")
                % {"resource": resource.name})
        if not any(o <= ls.time() and le.time() <= c for o, c in hours.intervals):
            raise _outside_hours(resource, day, hours)


def _outside_hours(resource, day, hours) -> BookingError:
    return BookingError("outside_hours", _(
        "En dehors des horaires d'ouverture de %(site)s le %(day)s : ouvert %(hours)s.") % {
        "site": resource.site.name, "day": _fmt_day(day), "hours": hours.describe()})


def check_duration(resource: Resource, start: dt.datetime, end: dt.datetime) -> None:
    minutes = int((end - start).total_seconds() // 60)
    if resource.max_duration_minutes and minutes > resource.max_duration_minutes:
        raise BookingError("too_long", _(
            "Trop long : %(resource)s se réserve au plus %(max)s d'affilée.") % {
            "resource": resource.name, "max": format_minutes(resource.max_duration_minutes)})
    if minutes < resource.min_duration_minutes:
        raise BookingError("too_short", _(
            "Trop court : %(resource)s se réserve au moins %(min)s.") % {
            "resource": resource.name, "min": format_minutes(resource.min_duration_minutes)})


def check_timing(resource: Resource, start: dt.datetime, end: dt.datetime,
                 now: dt.datetime) -> None:
    """Minimum notice and maximum advance (members only; staff may book on the spot)."""
    if end <= now:
        raise BookingError("past", _("Ce créneau est déjà passé."))
    notice = dt.timedelta(minutes=resource.min_notice_minutes)
    if notice and start < now + notice:
        raise BookingError("too_soon", _(
            "Trop tard pour réserver ce créneau : %(resource)s se réserve au moins %(notice)s à "
            "l'avance.") % {"resource": resource.name,
                            "notice": format_minutes(resource.min_notice_minutes)})
    if start > now + dt.timedelta(days=resource.max_advance_days):
        raise BookingError("too_far", _(
            "Trop loin dans le temps : %(resource)s se réserve au plus %(days)s jours à "
            "l'avance.") % {"resource": resource.name, "days": resource.max_advance_days})


def check_cancellation(booking, now: dt.datetime) -> None:
    deadline = booking.start - dt.timedelta(minutes=booking.resource.cancellation_deadline_minutes)
    if now > deadline:
        local = deadline.astimezone(booking.network.tz)
        raise BookingError("too_late_to_cancel", _(
            "Trop tard pour annuler : l'annulation était possible jusqu'au %(when)s "
            "(%(delay)s avant le début). Contactez l'accueil du lieu.") % {
            "when": formats.date_format(local, "j F Y à H:i"),
            "delay": format_minutes(booking.resource.cancellation_deadline_minutes)})
