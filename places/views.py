import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from bookings.selectors import free_desks, free_slots
from core.context import network_view
from places.models import Site
from places.schedule import SiteSchedule
from places.selectors import network_sites, weekly_hours_table


def _parse_day(raw, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@network_view()
def network_home(request):
    """The sites of the network, their services, hours and free desks for a day."""
    network = request.ctx.network
    today = timezone.localdate(timezone=network.tz)
    day = _parse_day(request.GET.get("date"), today)
    sites = list(network_sites(network, today=today))
    desks = {site.pk: slots for site, slots in free_desks(network, day).items()}
    cards = [{"site": s, "hours": weekly_hours_table(s), "free": desks.get(s.pk, {})}
             for s in sites]
    return render(request, "places/network_home.html", {
        "network": network, "cards": cards, "day": day, "today": today})


@network_view()
def site_detail(request, site_slug):
    network = request.ctx.network
    today = timezone.localdate(timezone=network.tz)
    site = get_object_or_404(network_sites(network, today=today), slug=site_slug)
    day = _parse_day(request.GET.get("date"), today)
    schedule = SiteSchedule(site)
    slots = free_slots(site, day, schedule=schedule)
    return render(request, "places/site_detail.html", {
        "network": network, "site": site, "hours": weekly_hours_table(site),
        "exceptions": list(site.opening_exceptions.all()), "day": day,
        "day_hours": schedule.day(day), "slots": slots, "today": today,
        "tz": network.timezone,
    })


def site_for_network(network, slug) -> Site:
    return get_object_or_404(Site, network=network, slug=slug)
