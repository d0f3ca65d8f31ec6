"""The concierge's pages: the day board, booking on someone's behalf, approvals and
cancellations, resource blocks and opening hours.

Every object is looked up within the request's network and the sites this person runs
(`request.ctx.staff_sites`); anything else is a 404.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.errors import BookingError
from bookings.formatting import describe_span
from bookings.forms_staff import (
    BlockForm,
    OpeningExceptionForm,
    StaffBookingForm,
    WeeklyHoursForm,
)
from bookings.models import Booking, BookingSource, BookingStatus
from bookings.selectors import day_board
from bookings.services import book_resource, cancel_booking, decide_booking, span_for
from core.context import network_view
from places import services as place_services
from places.models import OpeningException, OpeningHours, Resource, ResourceBlock
from places.schedule import SLOT_LABELS, SiteSchedule, combine_local

PENDING_LIMIT = 50


def _today(network) -> dt.date:
    return timezone.now().astimezone(network.tz).date()


def _parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def board_url(network, site, day: dt.date) -> str:
    return reverse("staff_board", args=[network.slug]) + "?" + urlencode(
        {"lieu": site.slug, "date": day.isoformat()})


def _back(request, fallback: str):
    """Redirect to the page the form came from (same host only), else to `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _staff_booking(request, booking_id) -> Booking:
    ctx = request.ctx
    return get_object_or_404(
        Booking.objects.select_related("resource__site", "network", "site", "member__user"),
        pk=booking_id, network=ctx.network, site__in=ctx.staff_sites)


# --- Day board --------------------------------------------------------------------------

@network_view("staff")
def board(request):
    """Who booked what on one day at one site, with free seats per half-day."""
    ctx = request.ctx
    slug = request.GET.get("lieu")
    site = ctx.staff_site(slug) if slug else ctx.staff_sites[0]
    today = _today(ctx.network)
    day = _parse_date(request.GET.get("date")) or today
    the_board = day_board(site, day, schedule=SiteSchedule(site))
    for row in the_board.rows:
        row.free_slots = [(SLOT_LABELS[name], free) for name, free in row.free.items()]
    pending = list(
        Booking.objects.filter(network=ctx.network, site__in=ctx.staff_sites,
                               status=BookingStatus.PENDING, end__gt=timezone.now())
        .select_related("resource", "site", "member__user").order_by("start")[:PENDING_LIMIT])
    return render(request, "bookings/staff/board.html", {
        "board": the_board, "site": site, "day": day, "today": today,
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "sites": ctx.staff_sites, "now": timezone.now(), "pending": pending,
        "here": request.get_full_path(),
    })


# --- Booking on behalf of someone -------------------------------------------------------

@network_view("staff")
def book(request):
    """Book for a member of the network or for a walk-in guest (staff skip notice limits)."""
    ctx = request.ctx
    initial = {"date": _parse_date(request.GET.get("date")) or _today(ctx.network)}
    form = StaffBookingForm(request.POST or None, network=ctx.network, sites=ctx.staff_sites,
                            initial=initial)
    if request.method == "GET" and request.GET.get("ressource"):
        resource = form.fields["resource"].queryset.filter(
            pk=request.GET["ressource"] if request.GET["ressource"].isdigit() else 0).first()
        if resource is None:
            raise Http404
        form.initial["resource"] = resource.pk
        if resource.booking_unit == "hour":
            form.initial["slot"] = "hours"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resource = data["resource"]
        schedule = SiteSchedule(resource.site)
        guest = data["holder"] == "guest"
        try:
            start, end = span_for(
                schedule, data["date"], slot=None if data["slot"] == "hours" else data["slot"],
                start_time=data["start_time"], end_time=data["end_time"])
            booking = book_resource(
                None if guest else data["member"], resource, start=start, end=end,
                actor=request.user, now=timezone.now(), seats=data["seats"], by_staff=True,
                source=BookingSource.STAFF, guest_name=data["guest_name"] if guest else "",
                guest_email=data["guest_email"] if guest else "", note=data["note"],
                schedule=schedule)
        except BookingError as err:
            form.add_error(None, err.full_message())
        else:
            messages.success(request, _("Réservation enregistrée pour %(who)s : %(what)s, "
                                        "%(when)s.") % {
                "who": booking.holder_name, "what": resource.name,
                "when": describe_span(booking.start, booking.end, resource)})
            return redirect(board_url(ctx.network, resource.site, data["date"]))
    return render(request, "bookings/staff/book.html", {"form": form})


# --- Approvals and cancellations --------------------------------------------------------

@require_POST
@network_view("staff")
def decide(request, booking_id):
    """Approve or refuse a booking awaiting approval."""
    booking = _staff_booking(request, booking_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choisissez de valider ou de refuser."))
    else:
        try:
            decide_booking(booking, approve=decision == "approve", actor=request.user,
                           now=timezone.now())
        except BookingError as err:
            messages.error(request, err.full_message())
        else:
            messages.success(request, (_("Réservation de %(who)s validée.") if decision ==
                                       "approve" else _("Réservation de %(who)s refusée."))
                             % {"who": booking.holder_name})
    local_day = booking.start.astimezone(booking.network.tz).date()
    return _back(request, board_url(booking.network, booking.site, local_day))


@require_POST
@network_view("staff")
def cancel(request, booking_id):
    """Cancel a booking on the holder's behalf (staff may cancel until it ends)."""
    booking = _staff_booking(request, booking_id)
    try:
        cancel_booking(booking, actor=request.user, now=timezone.now(), by_staff=True,
                       reason=request.POST.get("reason", "")[:200])
    except BookingError as err:
        messages.error(request, err.full_message())
    else:
        messages.success(request, _("Réservation de %(who)s annulée.") % {
            "who": booking.holder_name})
    local_day = booking.start.astimezone(booking.network.tz).date()
    return _back(request, board_url(booking.network, booking.site, local_day))


# --- Resource blocks --------------------------------------------------------------------

@network_view("staff")
def block(request, resource_id):
    """Make a resource unbookable for a while; list its current and upcoming blocks."""
    ctx = request.ctx
    resource = get_object_or_404(Resource.objects.select_related("site__network", "network"),
                                 pk=resource_id, network=ctx.network, site__in=ctx.staff_sites)
    tz = ctx.network.tz
    today = _parse_date(request.GET.get("date")) or _today(ctx.network)
    form = BlockForm(request.POST or None, initial={"start_date": today, "end_date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start = combine_local(data["start_date"], data["start_time"], tz)
        end = combine_local(data["end_date"], data["end_time"], tz)
        try:
            new_block = place_services.block_resource(resource, start=start, end=end,
                                                      reason=data["reason"], actor=request.user)
        except ValidationError as err:
            form.add_error(None, err)
        else:
            messages.success(request, _("%(resource)s est bloqué du %(start)s au %(end)s.") % {
                "resource": resource.name,
                "start": start.strftime("%d/%m/%Y %H:%M"), "end": end.strftime("%d/%m/%Y %H:%M")})
            held = Booking.objects.filter(resource=resource, start__lt=new_block.end,
                                          end__gt=new_block.start,
                                          status__in=[BookingStatus.PENDING,
                                                      BookingStatus.CONFIRMED]).count()
            if held:
                messages.warning(request, _(
                    "Attention : %(n)s réservation(s) existent déjà sur cette période ; elles "
                    "ne sont pas annulées automatiquement.") % {"n": held})
            return redirect("staff_block", ctx.network.slug, resource.pk)
    blocks = list(ResourceBlock.objects.filter(resource=resource, end__gt=timezone.now()))
    return render(request, "bookings/staff/block.html", {
        "resource": resource, "form": form, "blocks": blocks, "here": request.get_full_path(),
        "board_url": board_url(ctx.network, resource.site, today)})


@require_POST
@network_view("staff")
def unblock(request, block_id):
    ctx = request.ctx
    the_block = get_object_or_404(ResourceBlock.objects.select_related("resource", "network"),
                                  pk=block_id, network=ctx.network,
                                  resource__site__in=ctx.staff_sites)
    place_services.unblock(the_block, actor=request.user)
    messages.success(request, _("Blocage de %(resource)s supprimé.") % {
        "resource": the_block.resource.name})
    return _back(request, reverse("staff_block", args=[ctx.network.slug, the_block.resource_id]))


# --- Opening hours and exceptions -------------------------------------------------------

@network_view("staff")
def site_hours(request, site_slug):
    """Weekly opening hours (two intervals a day at most here) and closures / special days."""
    ctx = request.ctx
    site = ctx.staff_site(site_slug)
    hours = list(OpeningHours.objects.filter(site=site))
    posted = request.POST.get("form") if request.method == "POST" else None
    weekly = WeeklyHoursForm(request.POST if posted == "weekly" else None, site_hours=hours)
    exception_form = OpeningExceptionForm(request.POST if posted == "exception" else None)
    if posted == "weekly" and weekly.is_valid():
        try:
            place_services.set_weekly_hours(site, hours=weekly.intervals(), actor=request.user)
        except ValidationError as err:
            weekly.add_error(None, err)
        else:
            messages.success(request, _("Horaires d'ouverture de %(site)s enregistrés.") % {
                "site": site.name})
            return redirect("staff_site_hours", ctx.network.slug, site.slug)
    if posted == "exception" and exception_form.is_valid():
        data = exception_form.cleaned_data
        try:
            place_services.add_opening_exception(
                site, start_date=data["start_date"], end_date=data["end_date"],
                closed=data["closed"] == "closed", opens=data["opens"], closes=data["closes"],
                reason=data["reason"], actor=request.user)
        except ValidationError as err:
            exception_form.add_error(None, err)
        else:
            messages.success(request, _("Exception d'ouverture enregistrée."))
            return redirect("staff_site_hours", ctx.network.slug, site.slug)
    exceptions = list(OpeningException.objects.filter(site=site,
                                                      end_date__gte=_today(ctx.network)))
    return render(request, "bookings/staff/site_hours.html", {
        "site": site, "weekly": weekly, "exception_form": exception_form,
        "exceptions": exceptions, "sites": ctx.staff_sites})


@require_POST
@network_view("staff")
def remove_exception(request, exception_id):
    ctx = request.ctx
    exception = get_object_or_404(OpeningException.objects.select_related("site", "network"),
                                  pk=exception_id, network=ctx.network,
                                  site__in=ctx.staff_sites)
    place_services.remove_opening_exception(exception, actor=request.user)
    messages.success(request, _("Exception d'ouverture supprimée."))
    return redirect("staff_site_hours", ctx.network.slug, exception.site.slug)
