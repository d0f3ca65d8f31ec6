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
        # Same test as clamping to [start, end) then s < e, without building the clamped
        # values for the many spans that lie outside (availability grids call this a lot).
        if s < end and e > start and s < e and start < end:
            events.append((max(s, start), seats))
            events.append((min(e, end), -seats))
    if len(events) <= 2:
        return max(0, events[0][1]) if events else 0
    # Ends sort before starts at the same instant: adjacent spans never add up.
    events.sort(key=lambda ev: (ev[0], ev[1]))
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


# A booking lies within one local day (rules.check_span refuses longer spans, staff included),
# so it lasts at most 25 hours. Bounding `start` from below as well lets the (resource, start)
# and (site, start) indexes read the few rows around a span instead of the whole history
# before it; two days leave a margin for any time zone.
MAX_BOOKING_SPAN = dt.timedelta(days=2)


def overlapping_bookings(resource, start, end, *, exclude_pk=None):
    qs = Booking.objects.filter(
        resource=resource, status__in=OCCUPYING_STATUSES, start__lt=end, end__gt=start,
        start__gt=start - MAX_BOOKING_SPAN,
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def occupancy(resource, start, end, *, exclude_pk=None) -> tuple[list, str | None]:
    """The (start, end, seats) spans of active bookings overlapping [start, end), and the
    reason of a block covering it if any ("" for a block without reason), in one query."""
    from django.db.models import CharField, IntegerField, Value

    bookings = overlapping_bookings(resource, start, end, exclude_pk=exclude_pk).annotate(
        is_block=Value(0, IntegerField()), why=Value("", CharField()),
    ).order_by().values_list("start", "end", "seats", "is_block", "why")
    blocks = ResourceBlock.objects.filter(resource=resource, start__lt=end, end__gt=start).annotate(
        seats=Value(0, IntegerField()), is_block=Value(1, IntegerField()),
    ).order_by().values_list("start", "end", "seats", "is_block", "reason")
    spans, block_reason = [], None
    for s, e, seats, is_block, why in bookings.union(blocks, all=True):
        if is_block:
            block_reason = why or ""
        else:
            spans.append((s, e, seats))
    return spans, block_reason


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
