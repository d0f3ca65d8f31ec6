"""Sites of a network and their free slots."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from api.v1.errors import ErrorOut, invalid
from api.v1.schemas import AvailabilityOut, SiteOut, site_out
from api.v1.scope import network_scope, site_of
from bookings.selectors import free_slots
from places.models import BookingUnit, OpeningException, Resource, Site
from places.schedule import SiteSchedule

router = Router(tags=["lieux"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.get("/networks/{network_slug}/sites", response={200: list[SiteOut], **ERRORS},
            summary="Lieux du réseau, avec services, horaires et ressources")
def list_sites(request, network_slug: str):
    ctx = network_scope(request, network_slug)
    today = timezone.now().astimezone(ctx.network.tz).date()
    sites = Site.objects.filter(network=ctx.network).prefetch_related(
        "opening_hours",
        Prefetch("opening_exceptions", to_attr="upcoming_exceptions",
                 queryset=OpeningException.objects.filter(end_date__gte=today)),
        Prefetch("resources", to_attr="active_resources",
                 queryset=Resource.objects.filter(is_active=True).order_by("kind", "name")),
    )
    return [site_out(site) for site in sites]


@router.get("/networks/{network_slug}/sites/{site_slug}/availability",
            response={200: AvailabilityOut, **ERRORS},
            summary="Places libres d'un lieu pour une date")
def site_availability(request, network_slug: str, site_slug: str, date: dt.date):
    ctx = network_scope(request, network_slug)
    site = site_of(ctx, site_slug)
    check_date(date, site)
    return availability_of(site, date)


# Far dates are meaningless here and broke the output: before 1911 Paris time had a local
# mean time offset in seconds (+00:09:21), which RFC 3339 date-times cannot express.
DATE_WINDOW = (dt.timedelta(days=366), dt.timedelta(days=3 * 366))


def check_date(date: dt.date, site: Site) -> None:
    """Availability is asked for within a year back and three years ahead."""
    today = timezone.now().astimezone(site.network.tz).date()
    if not today - DATE_WINDOW[0] <= date <= today + DATE_WINDOW[1]:
        raise invalid(_("Date hors de la plage consultable (un an en arrière, trois ans en "
                        "avant)."), field="date")


def availability_of(site: Site, date: dt.date, *, public: bool = False) -> dict:
    """Free seats per resource of `site` on `date`; `public` leaves out the resources kept
    for members (the public directory shows what a visitor could book)."""
    schedule = SiteSchedule(site)
    hours = schedule.day(date)
    names = {(s, e): name for name, s, e in schedule.half_day_slots(date)}
    whole_day = schedule.slot(date, "day")
    if whole_day:
        names.setdefault(whole_day, "day")
    tz = site.network.tz
    resources = []
    for resource, slots in free_slots(site, date, schedule=schedule).items():
        if public and resource.members_only:
            continue
        hourly = resource.booking_unit == BookingUnit.HOUR
        resources.append({
            "id": resource.pk, "name": resource.name, "kind": resource.kind,
            "seats": resource.seats, "booking_unit": resource.booking_unit,
            "slots": [{"slot": None if hourly else names.get((s, e)),
                       "start": s.astimezone(tz), "end": e.astimezone(tz), "free_seats": free}
                      for s, e, free in slots],
        })
    return {
        "site": site.slug, "date": date, "is_open": hours.is_open,
        "hours": [{"opens": f"{a:%H:%M}", "closes": f"{b:%H:%M}"} for a, b in hours.intervals],
        "closure_reason": hours.closure_reason, "resources": resources,
    }
