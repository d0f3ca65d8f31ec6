"""Availability, computed from the booking rows themselves (never from a stored counter)."""

from __future__ import annotations

import datetime as dt

from bookings.models import OCCUPYING_STATUSES, Booking
from places.models import ResourceBlock


def peak_seats(spans, start, end) -> int:
    """Highest number of seats in use at any instant of [start, end) given (start, end, seats)
    spans. Bookings only touching the edges (09:00-13:00 vs 13:00-18:00) do not overlap."""
    events = []
    for s, e, seats in spans:
        s, e = max(s, start), min(e, end)
        if s < e:
            events.append((s, seats))
            events.append((e, -seats))
    # Ends sort before starts at the same instant: adjacent spans never add up.
    events.sort(key=lambda ev: (ev[0], ev[1]))
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def overlapping_bookings(resource, start, end, *, exclude_pk=None):
    qs = Booking.objects.filter(
        resource=resource, status__in=OCCUPYING_STATUSES, start__lt=end, end__gt=start
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def blocking(resource, start, end):
    return ResourceBlock.objects.filter(resource=resource, start__lt=end, end__gt=start).first()


def free_seats(resource, start, end, *, exclude_pk=None) -> int:
    """Seats still free over the whole span (0 or 1 for an exclusive resource)."""
    if blocking(resource, start, end):
        return 0
    spans = overlapping_bookings(resource, start, end, exclude_pk=exclude_pk).values_list(
        "start", "end", "seats"
    )
    return max(0, resource.seats - peak_seats(list(spans), start, end))


def is_free(resource, start: dt.datetime, end: dt.datetime, seats: int = 1) -> bool:
    return free_seats(resource, start, end) >= seats
