"""Request and response bodies of API v1, and the functions that fill the responses.

Times are ISO 8601 with the UTC offset of the network's time zone (Europe/Paris), e.g.
2026-11-24T09:00:00+01:00; opening hours are local wall-clock times ("09:00").
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from bookings.formatting import slot_name
from places.models import Site

Slot = Literal["morning", "afternoon", "day"]


class OpeningHoursOut(Schema):
    weekday: int = Field(description="0 = lundi … 6 = dimanche")
    weekday_name: str
    opens: str
    closes: str


class OpeningExceptionOut(Schema):
    start_date: dt.date
    end_date: dt.date
    closed: bool
    opens: str | None
    closes: str | None
    reason: str


class ResourceOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    seats: int
    capacity: int
    booking_unit: str
    members_only: bool
    requires_approval: bool


class SiteOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    address: str
    postcode: str
    city: str
    insee_code: str
    latitude: float | None
    longitude: float | None
    email: str
    phone: str
    is_active: bool
    wifi_mbps: int | None
    services: list[str] = Field(description="Codes stables : visio, printer, lockers, …")
    service_labels: list[str] = Field(description="Les mêmes services, en clair")
    members_24_7: bool
    half_day_split: str
    opening_hours: list[OpeningHoursOut]
    opening_exceptions: list[OpeningExceptionOut] = Field(
        description="Fermetures et horaires exceptionnels à venir")
    resources: list[ResourceOut]


class FreeSlotOut(Schema):
    slot: Slot | None = Field(description="Demi-journée ou journée ; vide pour un créneau horaire")
    start: dt.datetime
    end: dt.datetime
    free_seats: int


class ResourceAvailabilityOut(Schema):
    id: int
    name: str
    kind: str
    seats: int
    booking_unit: str
    slots: list[FreeSlotOut]


class HoursOut(Schema):
    opens: str
    closes: str


class AvailabilityOut(Schema):
    site: str
    date: dt.date
    is_open: bool
    hours: list[HoursOut]
    closure_reason: str | None
    resources: list[ResourceAvailabilityOut]


class BookingOut(Schema):
    id: int
    site: str
    site_name: str
    resource_id: int
    resource_name: str
    member_id: int | None
    holder_name: str
    guest_name: str
    guest_email: str
    start: dt.datetime
    end: dt.datetime
    slot: Slot | None
    seats: int
    status: str
    source: str
    note: str
    series_id: int | None
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


class BookingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BookingOut]


class BookingFilters(Schema):
    site: str | None = Field(None, description="Identifiant d'un lieu (accueil de ce lieu "
                                                "seulement) : toutes ses réservations")
    date_from: dt.date | None = Field(None, alias="from",
                                      description="Réservations commençant ce jour ou après")
    date_to: dt.date | None = Field(None, alias="to",
                                    description="Réservations commençant ce jour ou avant")
    status: str | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class BookingIn(Schema):
    resource_id: int
    start: dt.datetime | None = Field(None, description="ISO 8601 avec décalage horaire")
    end: dt.datetime | None = None
    date: dt.date | None = Field(None, description="Avec `slot`, à la place de start/end")
    slot: Slot | None = None
    seats: int = Field(1, ge=1, le=1000)
    member_id: int | None = Field(None, description="Accueil seulement : réserver pour ce membre")
    guest_name: str = Field("", max_length=200, description="Accueil seulement")
    guest_email: str = Field("", max_length=254, description="Accueil seulement")
    note: str = Field("", max_length=255)


class CancelIn(Schema):
    reason: str = Field("", max_length=255)


def _hm(t: dt.time | None) -> str | None:
    return f"{t:%H:%M}" if t is not None else None


def site_out(site: Site) -> dict:
    """Expects opening_hours, `upcoming_exceptions` and `active_resources` prefetched."""
    return {
        "id": site.pk, "slug": site.slug, "name": site.name, "description": site.description,
        "address": site.address, "postcode": site.postcode, "city": site.city,
        "insee_code": site.insee_code,
        "latitude": float(site.latitude) if site.latitude is not None else None,
        "longitude": float(site.longitude) if site.longitude is not None else None,
        "email": site.email, "phone": site.phone, "is_active": site.is_active,
        "wifi_mbps": site.wifi_mbps,
        "services": [name.removeprefix("has_") for name in Site.SERVICE_FIELDS
                     if getattr(site, name)],
        "service_labels": [str(label) for label in site.services()],
        "members_24_7": site.members_24_7,
        "half_day_split": _hm(site.half_day_split),
        "opening_hours": [
            {"weekday": h.weekday, "weekday_name": str(h.get_weekday_display()),
             "opens": _hm(h.opens), "closes": _hm(h.closes)}
            for h in site.opening_hours.all()
        ],
        "opening_exceptions": [
            {"start_date": e.start_date, "end_date": e.end_date, "closed": e.closed,
             "opens": None if e.closed else _hm(e.opens),
             "closes": None if e.closed else _hm(e.closes), "reason": e.reason}
            for e in site.upcoming_exceptions
        ],
        "resources": [
            {"id": r.pk, "name": r.name, "kind": r.kind, "description": r.description,
             "seats": r.seats, "capacity": r.capacity, "booking_unit": r.booking_unit,
             "members_only": r.members_only, "requires_approval": r.requires_approval}
            for r in site.active_resources
        ],
    }


def booking_out(booking) -> dict:
    """Expects resource__site, resource__network, site and member__user loaded."""
    tz = booking.resource.network.tz
    return {
        "id": booking.pk, "site": booking.site.slug, "site_name": booking.site.name,
        "resource_id": booking.resource_id, "resource_name": booking.resource.name,
        "member_id": booking.member_id, "holder_name": booking.holder_name,
        "guest_name": booking.guest_name, "guest_email": booking.guest_email,
        "start": booking.start.astimezone(tz), "end": booking.end.astimezone(tz),
        "slot": slot_name(booking.start, booking.end, booking.resource),
        "seats": booking.seats, "status": booking.status, "source": booking.source,
        "note": booking.note, "series_id": booking.series_id,
        "created_at": booking.created_at.astimezone(tz),
        "cancelled_at": booking.cancelled_at.astimezone(tz) if booking.cancelled_at else None,
    }
