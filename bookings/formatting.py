"""Human wording of booking spans, in the network's local time."""

from django.utils import formats
from django.utils.translation import gettext as _

from places.models import BookingUnit
from places.schedule import SLOT_LABELS


def local_span(start, end, tz):
    return start.astimezone(tz), end.astimezone(tz)


def slot_name(start, end, resource) -> str | None:
    """'morning' / 'afternoon' / 'day' for a half-day or day booking, read from the site's
    split time (no query: the service has already checked the span against opening hours)."""
    if resource.booking_unit == BookingUnit.HOUR:
        return None
    tz = resource.network.tz
    ls, le = local_span(start, end, tz)
    split = resource.site.half_day_split
    if le.time() == split:
        return "morning"
    if ls.time() == split:
        return "afternoon"
    return "day"


def describe_span(start, end, resource) -> str:
    tz = resource.network.tz
    ls, le = local_span(start, end, tz)
    day = formats.date_format(ls.date(), "l j F Y")
    name = slot_name(start, end, resource) if resource.booking_unit != BookingUnit.HOUR else None
    if name:
        return _("%(day)s, %(slot)s (%(start)s–%(end)s)") % {
            "day": day, "slot": SLOT_LABELS[name], "start": f"{ls:%H:%M}", "end": f"{le:%H:%M}",
        }
    return _("%(day)s, %(start)s–%(end)s") % {"day": day, "start": f"{ls:%H:%M}",
                                              "end": f"{le:%H:%M}"}
