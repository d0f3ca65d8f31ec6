"""Writes about places: sites, resources, opening hours and exceptions, resource blocks.

Each function runs in one transaction and writes an audit row. Refusals raise Django's
ValidationError with French messages, keyed by field when one field is at fault, so that forms
can show them next to that field.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from bookings.models import OCCUPYING_STATUSES, Booking
from core import audit
from places.models import (
    OpeningException,
    OpeningHours,
    Resource,
    ResourceBlock,
    ResourceKind,
    Site,
    Weekday,
)

# --- Sites ------------------------------------------------------------------------------

SITE_FIELDS = (
    "slug", "name", "description", "address", "postcode", "city", "insee_code", "latitude",
    "longitude", "email", "phone", "wifi_mbps", *Site.SERVICE_FIELDS, "members_24_7",
    "half_day_split", "is_active",
)


def _check_site(site: Site) -> None:
    # full_clean runs the field validators (INSEE code, coordinates) and the per-network
    # slug uniqueness, with French messages keyed by field.
    site.full_clean(exclude=["network"])
    if Site.objects.filter(network_id=site.network_id, slug=site.slug).exclude(
            pk=site.pk).exists():
        raise ValidationError({"slug": _("Un autre lieu du réseau utilise déjà cet "
                                         "identifiant.")})


def create_site(network, *, actor, **fields) -> Site:
    """Create a site of `network`; every field is validated (INSEE code, coordinates, unique
    identifier within the network)."""
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    site = Site(network=network, **fields)
    _check_site(site)
    with transaction.atomic():
        site.save()
        audit.record(network=network, actor=actor, action="site.created", target=site,
                     data={"name": site.name})
    return site


def update_site(site: Site, *, actor, **fields) -> Site:
    """Change a site's fields; same validation as create_site. Nothing is written on error."""
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    changed = [name for name, value in fields.items() if getattr(site, name) != value]
    for name in changed:
        setattr(site, name, fields[name])
    try:
        _check_site(site)
    except ValidationError:
        site.refresh_from_db()
        raise
    with transaction.atomic():
        if changed:
            site.save(update_fields=changed)
        audit.record(network=site.network, actor=actor, action="site.updated", target=site,
                     data={"fields": changed})
    return site


# --- Resources --------------------------------------------------------------------------

RESOURCE_FIELDS = (
    "name", "kind", "description", "seats", "capacity", "booking_unit", "min_duration_minutes",
    "max_duration_minutes", "min_notice_minutes", "max_advance_days",
    "cancellation_deadline_minutes", "members_only", "requires_approval", "is_active",
)


def check_seats(kind: str, seats) -> int:
    """Only an open space is pooled; every other kind is booked whole (1 seat)."""
    if kind == ResourceKind.OPEN_SPACE:
        return seats if seats is not None else 1
    if seats not in (None, 1):
        raise ValidationError({"seats": _(
            "Seul un espace partagé (open space) compte plusieurs places : « %(kind)s » se "
            "réserve en entier, avec 1 place. Indiquez le nombre de personnes accueillies dans "
            "« capacité ».") % {"kind": ResourceKind(kind).label}})
    return 1


def _check_resource(resource: Resource) -> None:
    resource.full_clean(exclude=["network", "site"])
    if (resource.max_duration_minutes is not None
            and resource.max_duration_minutes < resource.min_duration_minutes):
        raise ValidationError({"max_duration_minutes": _(
            "La durée maximale doit être supérieure ou égale à la durée minimale.")})


def create_resource(site: Site, *, actor, **fields) -> Resource:
    """Create a bookable resource of `site` (its network is the site's). Only an open space
    has several seats."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    kind = fields.get("kind")
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choisissez un type de ressource.")})
    fields["seats"] = check_seats(kind, fields.get("seats"))
    resource = Resource(network_id=site.network_id, site=site, **fields)
    _check_resource(resource)
    with transaction.atomic():
        resource.save()
        audit.record(network=site.network, actor=actor, action="resource.created",
                     target=resource, data={"name": resource.name, "kind": kind})
    return resource


def update_resource(resource: Resource, *, actor, now: dt.datetime, **fields) -> Resource:
    """Change a resource. Its kind cannot switch between pooled and exclusive while upcoming
    bookings hold it (their seats and overlap rule depend on it)."""
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    kind = fields.get("kind", resource.kind)
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choisissez un type de ressource.")})
    fields["seats"] = check_seats(kind, fields.get("seats", resource.seats))
    pooled_now = resource.kind == ResourceKind.OPEN_SPACE
    if (kind == ResourceKind.OPEN_SPACE) != pooled_now and Booking.objects.filter(
            resource=resource, status__in=OCCUPYING_STATUSES, end__gt=now).exists():
        raise ValidationError({"kind": _(
            "Impossible de changer le type : des réservations à venir portent sur cette "
            "ressource. Créez plutôt une nouvelle ressource.")})
    changed = [name for name, value in fields.items() if getattr(resource, name) != value]
    for name in changed:
        setattr(resource, name, fields[name])
    try:
        _check_resource(resource)
    except ValidationError:
        resource.refresh_from_db()
        raise
    with transaction.atomic():
        if changed:
            resource.save(update_fields=changed)
        audit.record(network=resource.network, actor=actor, action="resource.updated",
                     target=resource, data={"fields": changed})
    return resource


def set_resource_active(resource: Resource, *, active: bool, actor) -> Resource:
    """Open or close a resource to new bookings; existing bookings are kept."""
    with transaction.atomic():
        resource.is_active = active
        resource.save(update_fields=["is_active"])
        audit.record(network=resource.network, actor=actor,
                     action="resource.reactivated" if active else "resource.deactivated",
                     target=resource)
    return resource


# --- Blocks -----------------------------------------------------------------------------

def block_resource(resource: Resource, *, start: dt.datetime, end: dt.datetime, actor,
                   reason: str = "") -> ResourceBlock:
    """Make a resource unbookable over [start, end). Bookings already made are kept: staff
    see them on the board and decide."""
    if end <= start:
        raise ValidationError({"end_date": _("La fin du blocage doit être après son début.")})
    with transaction.atomic():
        block = ResourceBlock.objects.create(
            network_id=resource.network_id, resource=resource, start=start, end=end,
            reason=reason, created_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(network=resource.network, actor=actor, action="resource.blocked",
                     target=block, data={"resource": resource.pk, "start": start.isoformat(),
                                         "end": end.isoformat(), "reason": reason})
    return block


def unblock(block: ResourceBlock, *, actor) -> None:
    """Remove a block: the resource can be booked again over its span."""
    with transaction.atomic():
        audit.record(network=block.network, actor=actor, action="resource.unblocked",
                     target=block, data={"resource": block.resource_id,
                                         "start": block.start.isoformat(),
                                         "end": block.end.isoformat()})
        block.delete()


# --- Opening exceptions -----------------------------------------------------------------

def _fmt(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def add_opening_exception(site: Site, *, start_date: dt.date, end_date: dt.date, actor,
                          closed: bool = True, opens: dt.time | None = None,
                          closes: dt.time | None = None, reason: str = "") -> OpeningException:
    """Close a site over a range of dates, or give it special hours. Ranges of one site never
    overlap, so each date has at most one exception."""
    errors = {}
    if end_date < start_date:
        errors["end_date"] = _("La date de fin doit être le même jour ou après la date de début.")
    if not closed:
        if opens is None:
            errors["opens"] = _("Indiquez l'heure d'ouverture.")
        if closes is None:
            errors["closes"] = _("Indiquez l'heure de fermeture.")
        if opens and closes and closes <= opens:
            errors["closes"] = _("La fermeture doit être après l'ouverture.")
    else:
        opens = closes = None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        clash = (OpeningException.objects.select_for_update()
                 .filter(site=site, start_date__lte=end_date, end_date__gte=start_date).first())
        if clash:
            raise ValidationError({"start_date": _(
                "Ces dates chevauchent une exception déjà prévue du %(start)s au %(end)s : "
                "supprimez-la d'abord.") % {"start": _fmt(clash.start_date),
                                           "end": _fmt(clash.end_date)}})
        exception = OpeningException.objects.create(
            network_id=site.network_id, site=site, start_date=start_date, end_date=end_date,
            closed=closed, opens=opens, closes=closes, reason=reason)
        audit.record(network=site.network, actor=actor, action="site.exception_added",
                     target=exception, data={"start": start_date.isoformat(),
                                             "end": end_date.isoformat(), "closed": closed,
                                             "reason": reason})
    return exception


def remove_opening_exception(exception: OpeningException, *, actor) -> None:
    """Back to the weekly hours over the exception's dates."""
    with transaction.atomic():
        audit.record(network=exception.network, actor=actor, action="site.exception_removed",
                     target=exception, data={"start": exception.start_date.isoformat(),
                                             "end": exception.end_date.isoformat()})
        exception.delete()


# --- Weekly hours -----------------------------------------------------------------------

def weekly_hours_errors(hours: dict[int, list[tuple]]) -> dict[int, list[str]]:
    """Problems in a week of opening intervals, by weekday (empty when all is right): each
    interval has both times, closes after it opens, and a day's intervals do not overlap."""
    errors: dict[int, list[str]] = {}
    for weekday, spans in hours.items():
        day = Weekday(weekday).label
        msgs = []
        complete = []
        for opens, closes in spans:
            if opens is None or closes is None:
                msgs.append(_("%(day)s : indiquez l'heure d'ouverture et l'heure de fermeture.")
                            % {"day": day})
            elif closes <= opens:
                msgs.append(_("%(day)s : la fermeture (%(closes)s) doit être après l'ouverture "
                              "(%(opens)s).") % {"day": day, "opens": f"{opens:%H:%M}",
                                                 "closes": f"{closes:%H:%M}"})
            else:
                complete.append((opens, closes))
        complete.sort()
        for (a1, b1), (a2, b2) in zip(complete, complete[1:]):
            if a2 < b1:
                msgs.append(_("%(day)s : les plages %(a1)s–%(b1)s et %(a2)s–%(b2)s se "
                              "chevauchent.") % {"day": day, "a1": f"{a1:%H:%M}",
                                                 "b1": f"{b1:%H:%M}", "a2": f"{a2:%H:%M}",
                                                 "b2": f"{b2:%H:%M}"})
        if msgs:
            errors[weekday] = msgs
    return errors


def set_weekly_hours(site: Site, *, hours: dict[int, list[tuple[dt.time, dt.time]]],
                     actor) -> list[OpeningHours]:
    """Replace a site's weekly opening hours. `hours` maps a weekday (0 = Monday) to its
    intervals; a day left out or empty is closed. Nothing changes if any day is wrong."""
    unknown = set(hours) - set(Weekday.values)
    if unknown:
        raise ValueError(f"unknown weekdays {sorted(unknown)}")
    errors = weekly_hours_errors(hours)
    if errors:
        raise ValidationError([m for msgs in errors.values() for m in msgs])
    with transaction.atomic():
        OpeningHours.objects.filter(site=site).delete()
        rows = OpeningHours.objects.bulk_create([
            OpeningHours(network_id=site.network_id, site=site, weekday=weekday, opens=opens,
                         closes=closes)
            for weekday, spans in sorted(hours.items()) for opens, closes in sorted(spans)
        ])
        audit.record(network=site.network, actor=actor, action="site.hours_set", target=site,
                     data={str(w): [f"{a:%H:%M}-{b:%H:%M}" for a, b in sorted(spans)]
                           for w, spans in sorted(hours.items())})
    return rows
