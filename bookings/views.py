import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.errors import BookingError
from bookings.forms import BookingForm
from bookings.ical import booking_ics, feed_ics
from bookings.models import Booking, BookingSource, BookingStatus
from bookings.rules import format_minutes
from bookings.selectors import member_bookings
from bookings.services import (
    book_date_range,
    book_recurring,
    book_resource,
    cancel_booking,
    span_for,
)
from core.context import network_view
from members.models import Member
from places.models import Resource
from places.schedule import SiteSchedule

PAST_PAGE_SIZE = 30


def _resource(network, pk) -> Resource:
    return get_object_or_404(
        Resource.objects.select_related("site", "network"), pk=pk, network=network,
        is_active=True, site__is_active=True)


def _initial(request, resource) -> dict:
    initial = {"repeat": "once", "seats": 1,
               "date": timezone.localdate(timezone=resource.network.tz).isoformat()}
    for key in ("date", "slot", "start_time", "end_time"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    if resource.booking_unit == "day":
        initial.setdefault("slot", "day")
    return initial


@network_view()
def book(request, resource_id):
    """Book a resource: once, a run of days, or every week until a date."""
    ctx = request.ctx
    resource = _resource(ctx.network, resource_id)
    form = BookingForm(request.POST or None, resource=resource,
                       initial=_initial(request, resource))
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        common = dict(actor=request.user, now=now, source=BookingSource.WEB)
        try:
            if data["repeat"] == "weekly":
                report = book_recurring(
                    ctx.member, resource, first_date=data["date"], until=data["until"],
                    weekdays=set(data["weekdays"] or [data["date"].weekday()]),
                    slot=data.get("slot"), start_time=data.get("start_time"),
                    end_time=data.get("end_time"), **common)
                return render(request, "bookings/series_report.html",
                              {"report": report, "resource": resource,
                               "tz": ctx.network.timezone})
            if data["repeat"] == "days":
                report = book_date_range(ctx.member, resource, first_date=data["date"],
                                         last_date=data["until"], seats=data.get("seats") or 1,
                                         **common)
                return render(request, "bookings/series_report.html",
                              {"report": report, "resource": resource,
                               "tz": ctx.network.timezone})
            start, end = span_for(SiteSchedule(resource.site), data["date"],
                                  slot=data.get("slot"), start_time=data.get("start_time"),
                                  end_time=data.get("end_time"))
            booking = book_resource(ctx.member, resource, start=start, end=end,
                                    seats=data.get("seats") or 1, **common)
        except BookingError as err:
            error = err
        else:
            if booking.status == BookingStatus.PENDING:
                messages.success(request, _("Demande envoyée : l'accueil du lieu va la valider."))
            else:
                messages.success(request, _("Réservation confirmée. Un e-mail de confirmation "
                                            "vous est envoyé."))
            return redirect("my_bookings", ctx.network.slug)
    return render(request, "bookings/book.html", {
        "resource": resource, "form": form, "error": error, "network": ctx.network,
        "tz": ctx.network.timezone,
        "cancel_delay": (format_minutes(resource.cancellation_deadline_minutes)
                         if resource.cancellation_deadline_minutes else ""),
    }, status=400 if error else 200)


def _can_cancel(booking, now) -> bool:
    deadline = booking.start - dt.timedelta(minutes=booking.resource.cancellation_deadline_minutes)
    return booking.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED) and now <= deadline


@network_view()
def my_bookings(request):
    ctx = request.ctx
    now = timezone.now()
    upcoming = list(member_bookings(ctx.member, now=now, upcoming=True))
    for b in upcoming:
        b.can_cancel = _can_cancel(b, now)
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    past_qs = member_bookings(ctx.member, now=now, upcoming=False)
    past = list(past_qs[(page - 1) * PAST_PAGE_SIZE: page * PAST_PAGE_SIZE + 1])
    feed_url = request.build_absolute_uri(f"/calendrier/{ctx.member.calendar_token}.ics")
    return render(request, "bookings/my_bookings.html", {
        "upcoming": upcoming, "past": past[:PAST_PAGE_SIZE], "page": page,
        "has_more": len(past) > PAST_PAGE_SIZE, "feed_url": feed_url,
        "network": ctx.network, "tz": ctx.network.timezone,
    })


def _own_booking(ctx, pk) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("resource", "site", "network", "member__user"),
        pk=pk, network=ctx.network, member=ctx.member)


@network_view()
@require_POST
def cancel(request, booking_id):
    ctx = request.ctx
    booking = _own_booking(ctx, booking_id)
    try:
        cancel_booking(booking, actor=request.user, now=timezone.now())
    except BookingError as err:
        messages.error(request, err.full_message())
    else:
        messages.success(request, _("Réservation annulée."))
    return redirect("my_bookings", ctx.network.slug)


@network_view()
def booking_ics_view(request, booking_id):
    booking = _own_booking(request.ctx, booking_id)
    response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reservation-{booking.pk}.ics"'
    return response


@network_view()
@require_POST
def reset_calendar_token(request):
    from members.models import new_calendar_token

    member = request.ctx.member
    member.calendar_token = new_calendar_token()
    member.save(update_fields=["calendar_token"])
    messages.success(request, _("Nouvelle adresse d'agenda créée ; l'ancienne ne fonctionne plus."))
    return redirect("my_bookings", request.ctx.network.slug)


FEED_PAST_DAYS = 60


def calendar_feed(request, token):
    """Private iCalendar feed, authenticated by its secret token only (calendar apps have no
    session): recent and upcoming bookings of one member in one network."""
    member = Member.objects.select_related("network", "user").filter(
        calendar_token=token, is_active=True).first()
    if member is None:
        raise Http404
    since = timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)
    bookings = (Booking.objects.filter(member=member, end__gte=since)
                .select_related("resource", "site", "network").order_by("start"))
    return HttpResponse(feed_ics(member, bookings), content_type="text/calendar; charset=utf-8")
