"""Public pages: no login, server-rendered, usable without JavaScript (the map is an
enhancement over the list)."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods

from bookings.errors import BookingError
from bookings.services import span_for
from directory import opendata, prices, selectors, services
from directory.forms import GuestBookingForm, SearchForm, WidgetForm
from directory.models import GuestRequestStatus
from places.models import Network, OpeningException, OpeningHours, Resource, Weekday
from places.schedule import SLOT_LABELS, SiteSchedule


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is forgeable unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


PAGE_SIZE = 20


def search(request):
    """Places of every network, nearest first by estimated minutes by car, 20 a page (the
    open data files and the API have them all)."""
    form = SearchForm(request.GET or None)
    origin, others, places, count, census, next_url = None, [], [], 0, [], None
    now = timezone.now()
    if form.is_valid():
        data = form.cleaned_data
        # A typed commune wins over a position kept from an earlier "near me".
        if data["lat"] is not None and not data["q"].strip() and not data["commune"]:
            origin = selectors.Origin(data["lat"], data["lon"], name=_("votre position"))
        else:
            origin, others = selectors.resolve_origin(data["q"], data["commune"])
        filters = selectors.Filters(
            services=data["services"], open_now=data["ouvert"], open_on=data["date"],
            desk_on=data["poste_date"], desk_slot=data["poste_creneau"] or "morning",
            max_price=data["prix_max"])
        page = data["page"] or 1
        result = selectors.search(origin=origin, filters=filters, now=now, limit=PAGE_SIZE,
                                  offset=(page - 1) * PAGE_SIZE)
        places, count = result.places, result.count
        if page * PAGE_SIZE < count:
            query = request.GET.copy()
            query["page"] = page + 1
            next_url = "?" + query.urlencode()
        # Census places have no services, hours nor prices we know: listed without filters.
        if (page == 1 and not data["services"] and not filters.by_schedule
                and filters.max_price is None):
            census = selectors.census_places(origin)
    elif not request.GET:
        result = selectors.search(origin=None, filters=selectors.Filters(), now=now,
                                  limit=PAGE_SIZE)
        places, count = result.places, result.count
        if count > PAGE_SIZE:
            next_url = "?page=2"
    map_points = [
        {"name": p.site.name, "lat": p.latitude, "lon": p.longitude,
         "url": reverse("directory_place", args=[p.site.network.slug, p.site.slug]),
         "minutes": round(p.minutes) if p.minutes is not None else None}
        for p in places if p.latitude is not None]
    return render(request, "directory/search.html", {
        "form": form, "origin": origin, "others": others, "places": places, "count": count,
        "census": census, "next_url": next_url, "map_points": map_points,
        "map_config": _map_config(),
    })


def _map_config() -> dict:
    return {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}


@require_http_methods(["GET", "POST"])
def place(request, network_slug, site_slug):
    """A place's page: description, services, hours, closures and the guest booking form."""
    site = selectors.place_detail(network_slug, site_slug)
    if site is None:
        raise Http404
    now = timezone.now()
    today = now.astimezone(site.network.tz).date()
    resources = list(Resource.objects.filter(site=site, is_active=True).order_by("kind", "name"))
    bookable = [r for r in resources if services.guest_bookable(r)]
    form = GuestBookingForm(request.POST or None, resources=bookable,
                            initial={"date": today + dt.timedelta(days=1), "slot": "morning"})
    sent_to = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resource = form.resources[data["resource"]]
        resource.site = site
        try:
            schedule = SiteSchedule.for_day(site, data["date"])
            start, end = span_for(schedule, data["date"], slot=data["slot"])
            services.request_guest_booking(
                resource, start=start, end=end, guest_email=data["email"],
                guest_name=data["name"], ip=_client_ip(request), now=now)
        except BookingError as err:
            form.add_error(None, err.message)
        else:
            sent_to = data["email"]
    hours = list(OpeningHours.objects.filter(site=site))
    weekly = []
    for day in Weekday:
        spans = [f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in hours if h.weekday == day.value]
        weekly.append((day.label, ", ".join(spans)))
    closures = list(OpeningException.objects.filter(
        site=site, end_date__gte=today, start_date__lte=today + dt.timedelta(days=120)))
    located = selectors.locate([site])[0]
    tariffs = prices.place_prices(site, {r.kind for r in resources})
    return render(request, "directory/place.html", {
        "site": site, "resources": resources, "bookable": bookable, "form": form,
        "weekly": weekly, "closures": closures, "sent_to": sent_to, "place": located,
        "prices": tariffs,
        "map_points": [{"name": site.name, "lat": located.latitude, "lon": located.longitude,
                        "url": ""}] if located.latitude is not None else [],
        "map_config": _map_config(),
    })


@require_http_methods(["GET", "POST"])
def guest_confirm(request, token):
    """The e-mail link shows the request; the button confirms it. A GET never books, because
    mail scanners open links by themselves."""
    guest_request = services.request_from_token(token)
    if guest_request is None:
        raise Http404
    if request.method == "POST":
        guest_request = services.confirm_guest_booking(guest_request)
        return redirect("directory_guest_confirm", token=token)
    now = timezone.now()
    expired = (guest_request.status == GuestRequestStatus.EXPIRED
               or (guest_request.status == GuestRequestStatus.PENDING
                   and guest_request.expires_at <= now))
    tz = guest_request.network.tz
    start, end = guest_request.start.astimezone(tz), guest_request.end.astimezone(tz)
    return render(request, "directory/confirm.html", {
        "req": guest_request, "site": guest_request.resource.site, "start": start, "end": end,
        "expired": expired, "slot_labels": SLOT_LABELS,
    })


def places_geojson(request):
    body = json.dumps(opendata.as_geojson(opendata.place_records()), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def places_csv(request):
    response = HttpResponse(opendata.as_csv(opendata.place_records()),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def communes(request):
    """Autocomplete suggestions for the search box (JSON)."""
    from territory.selectors import search_communes

    found = search_communes(request.GET.get("q", "")[:100], limit=8)
    return JsonResponse({"results": [
        {"insee": c.insee_code, "name": c.name, "postcodes": c.postcodes.split()[:3],
         "label": f"{c.name} ({c.department})"} for c in found]})



@xframe_options_exempt  # the one page made to be framed by other sites
@require_http_methods(["GET"])
def widget(request):
    """Embeddable list of a network's places, or of those near a commune, with today's free
    desks. Read-only, no session-dependent content; links open our pages in a new tab so
    nothing is ever booked inside someone else's frame."""
    form = WidgetForm(request.GET)
    items, origin = [], None
    if form.is_valid():
        data = form.cleaned_data
        if data["network"] and not Network.objects.filter(slug=data["network"]).exists():
            raise Http404
        if data["commune"]:
            from territory.models import Commune

            origin = Commune.objects.filter(insee_code=data["commune"]).first()
            if origin is None or not origin.has_coordinates:
                raise Http404
        if data["network"] or origin is not None:
            items = selectors.widget_places(
                network=data["network"], origin=origin, max_minutes=data["minutes"] or 30,
                limit=data["limite"] or 10, now=timezone.now())
    response = render(request, "directory/widget.html", {
        "form": form, "items": items, "origin": origin,
        "search_url": request.build_absolute_uri(reverse("directory_search")),
    })
    response["Cache-Control"] = "public, max-age=300"
    return response
