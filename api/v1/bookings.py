"""Bookings through the API: the same service (bookings.services) as every other write path."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from api.v1.errors import ErrorOut, forbidden, invalid, not_found
from api.v1.schemas import BookingFilters, BookingIn, BookingOut, BookingPage, CancelIn, booking_out
from api.v1.scope import is_staff_of, network_scope, person_only, staff_site_of
from bookings.models import Booking, BookingSource, BookingStatus
from bookings.services import book_resource, cancel_booking, span_for
from members.models import Member
from places.models import Resource
from places.schedule import SiteSchedule

router = Router(tags=["réservations"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _bookings(ctx):
    return Booking.objects.filter(network=ctx.network).select_related(
        "site", "resource__site", "resource__network", "member__user")


@router.get("/networks/{network_slug}/bookings", response={200: BookingPage, **ERRORS},
            summary="Mes réservations, ou celles d'un lieu pour son accueil (?site=) ; "
                    "toutes celles du réseau avec une clé de réseau")
def list_bookings(request, network_slug: str, filters: Query[BookingFilters]):
    ctx = network_scope(request, network_slug)
    qs = _bookings(ctx)
    if filters.site:
        qs = qs.filter(site=staff_site_of(ctx, filters.site))
    elif ctx.member is None:
        pass  # a network key reads every booking of its network
    else:
        qs = qs.filter(member=ctx.member)
    tz = ctx.network.tz
    if filters.date_from:
        qs = qs.filter(start__gte=dt.datetime.combine(filters.date_from, dt.time(0), tzinfo=tz))
    if filters.date_to:
        next_day = filters.date_to + dt.timedelta(days=1)
        qs = qs.filter(start__lt=dt.datetime.combine(next_day, dt.time(0), tzinfo=tz))
    if filters.status:
        if filters.status not in BookingStatus.values:
            raise invalid(_("Statut inconnu : %(status)s.") % {"status": filters.status},
                          field="status")
        qs = qs.filter(status=filters.status)
    qs = qs.order_by("start", "pk")
    page = list(qs[filters.offset:filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [booking_out(b) for b in page]}


def _span(payload: BookingIn, schedule: SiteSchedule):
    has_span = payload.start is not None or payload.end is not None
    has_slot = payload.date is not None or payload.slot is not None
    if has_span and has_slot:
        raise invalid(_("Indiquez soit start et end, soit date et slot, pas les deux."))
    if has_slot:
        if payload.date is None or payload.slot is None:
            raise invalid(_("Indiquez la date et le créneau (slot)."),
                          field="slot" if payload.date else "date")
        return span_for(schedule, payload.date, slot=payload.slot)
    if payload.start is None or payload.end is None:
        raise invalid(_("Indiquez le début et la fin (start, end), ou une date et un créneau "
                        "(date, slot)."), field="end" if payload.start else "start")
    for name in ("start", "end"):
        if getattr(payload, name).utcoffset() is None:
            raise invalid(_("%(field)s doit indiquer le décalage horaire, par exemple "
                            "2026-11-24T09:00:00+01:00.") % {"field": name}, field=name)
    return payload.start, payload.end


def _holder(ctx, payload: BookingIn, *, by_staff: bool):
    """The member (or guest) the booking is for; only the site's staff book for others."""
    for_guest = bool(payload.guest_name or payload.guest_email)
    on_behalf = payload.member_id is not None and payload.member_id != ctx.member.pk
    if (for_guest or on_behalf) and not by_staff:
        raise forbidden(_("Seul l'accueil du lieu peut réserver pour un autre membre ou pour "
                          "une personne invitée."))
    if for_guest:
        if payload.member_id is not None:
            raise invalid(_("Indiquez soit un membre, soit une personne invitée, pas les deux."),
                          field="member_id")
        try:
            validate_email(payload.guest_email)
        except DjangoValidationError:
            raise invalid(_("Indiquez une adresse e-mail valide pour la personne invitée."),
                          field="guest_email") from None
        return None
    if not on_behalf:
        return ctx.member
    member = Member.objects.filter(pk=payload.member_id, network=ctx.network,
                                   is_active=True).select_related("user").first()
    if member is None:
        raise not_found(_("Membre introuvable."))
    return member


@router.post("/networks/{network_slug}/bookings", response={201: BookingOut, **ERRORS},
             summary="Réserver une ressource")
def create_booking(request, network_slug: str, payload: BookingIn):
    ctx = network_scope(request, network_slug)
    person_only(ctx)
    resource = Resource.objects.select_related("site__network", "network").filter(
        pk=payload.resource_id, network=ctx.network).first()
    if resource is None:
        raise not_found(_("Ressource introuvable."))
    by_staff = is_staff_of(ctx, resource.site_id)
    member = _holder(ctx, payload, by_staff=by_staff)
    schedule = SiteSchedule(resource.site)
    start, end = _span(payload, schedule)
    booking = book_resource(
        member, resource, start=start, end=end, actor=request.auth, seats=payload.seats,
        source=BookingSource.API, by_staff=by_staff, guest_name=payload.guest_name,
        guest_email=payload.guest_email, note=payload.note, schedule=schedule)
    return Status(201, booking_out(_bookings(ctx).get(pk=booking.pk)))


@router.post("/networks/{network_slug}/bookings/{booking_id}/cancel",
             response={200: BookingOut, **ERRORS}, summary="Annuler une réservation")
def cancel(request, network_slug: str, booking_id: int, payload: CancelIn | None = None):
    ctx = network_scope(request, network_slug)
    person_only(ctx)
    booking = _bookings(ctx).filter(pk=booking_id).first()
    # Someone else's booking is as invisible as a missing one, unless you run its site.
    by_staff = booking is not None and is_staff_of(ctx, booking.site_id)
    if booking is None or not (by_staff or booking.member_id == ctx.member.pk):
        raise not_found(_("Réservation introuvable."))
    cancel_booking(booking, actor=request.auth, by_staff=by_staff,
                   reason=payload.reason if payload else "")
    return booking_out(_bookings(ctx).get(pk=booking.pk))
