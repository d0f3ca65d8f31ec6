"""Read queries about sites and resources, scoped to one network."""

import datetime as dt

from django.db.models import Prefetch

from places.models import OpeningException, OpeningHours, Resource, Site


def network_sites(network, *, today: dt.date):
    """Active sites with their resources, weekly hours and upcoming exceptions (4 queries)."""
    return (
        Site.objects.filter(network=network, is_active=True)
        .select_related("network")
        .prefetch_related(
            Prefetch("resources", queryset=Resource.objects.filter(is_active=True)),
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
            Prefetch("opening_exceptions",
                     queryset=OpeningException.objects.filter(
                         end_date__gte=today, start_date__lte=today + dt.timedelta(days=60))),
        )
    )


def weekly_hours_table(site) -> list[tuple[str, str]]:
    """[(weekday label, '09:00–12:00, 14:00–18:00' or 'fermé')] from prefetched hours."""
    from django.utils.translation import gettext as _

    from places.models import Weekday

    rows = []
    for day in Weekday:
        intervals = [h for h in site.opening_hours.all() if h.weekday == day.value]
        text = ", ".join(f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in intervals) or _("fermé")
        rows.append((day.label, text))
    return rows
