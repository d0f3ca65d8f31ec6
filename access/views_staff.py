"""The concierge's access pages, under /r/<network>/accueil/: the front desk (who is here,
today's bookings to check in, walk-ins, kiosk link), a member's badges, codes and rights with
the log that answers "why can't I get in?", and attendance figures.

Objects are looked up within the request's network and the sites this person runs.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import services
from access.attendance import attendance
from access.forms import AttendanceForm, BadgeForm, PinForm, RightsForm
from access.models import Credential, CredentialKind, Kiosk, MemberAccess, PresenceSource
from access.presence import check_in_booking, record_departure
from access.selectors import here_now, local_day_bounds, recent_decisions, walk_ins_on
from bookings.errors import BookingError
from bookings.models import Booking, BookingStatus
from core.context import network_view
from members.models import Member


def _today(network) -> dt.date:
    return timezone.now().astimezone(network.tz).date()


def desk_url(network, site) -> str:
    return reverse("access_front_desk", args=[network.slug]) + "?" + urlencode(
        {"lieu": site.slug})


@network_view("staff")
def front_desk(request):
    """Who is here now, today's bookings to check in and today's walk-ins at one site."""
    ctx = request.ctx
    slug = request.GET.get("lieu")
    site = ctx.staff_site(slug) if slug else ctx.staff_sites[0]
    now = timezone.now()
    today = _today(ctx.network)
    start, end = local_day_bounds(ctx.network, today)
    bookings = list(Booking.objects.filter(
        site=site, start__lt=end, end__gt=start,
        status__in=[BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW])
        .select_related("resource", "member__user").order_by("start", "pk"))
    return render(request, "access/staff/front_desk.html", {
        "site": site, "sites": ctx.staff_sites, "today": today, "now": now,
        "present": here_now(site, now=now), "bookings": bookings,
        "walk_ins": walk_ins_on(site, today),
        "kiosks": Kiosk.objects.filter(site=site, is_active=True).count(),
        "new_kiosk_url": request.session.pop("access_new_kiosk_url", None),
    })


@require_POST
@network_view("staff")
def check_in(request, booking_id):
    """The concierge records that the booking's holder is here."""
    ctx = request.ctx
    booking = get_object_or_404(Booking.objects.select_related("network", "site",
                                                               "member__user"),
                                pk=booking_id, network=ctx.network, site__in=ctx.staff_sites)
    try:
        check_in_booking(booking, source=PresenceSource.CONCIERGE, actor=request.user,
                         now=timezone.now())
    except BookingError as err:
        messages.error(request, err.full_message())
    else:
        messages.success(request, _("Présence de %(who)s enregistrée.") % {
            "who": booking.holder_name})
    return redirect(desk_url(ctx.network, booking.site))


@require_POST
@network_view("staff")
def departure(request, site_slug):
    """The concierge records that someone left (doors only see people come in)."""
    ctx = request.ctx
    site = ctx.staff_site(site_slug)
    person = request.POST.get("person", "")
    member = visit = None
    if person.startswith("m") and person[1:].isdigit():
        member = get_object_or_404(Member, pk=person[1:], network=ctx.network)
    elif person.startswith("v") and person[1:].isdigit():
        visit = get_object_or_404(site.visits, pk=person[1:])
    else:
        return redirect(desk_url(ctx.network, site))
    record_departure(site, member=member, visit=visit, now=timezone.now(), actor=request.user)
    messages.success(request, _("Départ enregistré."))
    return redirect(desk_url(ctx.network, site))


@require_POST
@network_view("staff")
def kiosk_create(request, site_slug):
    """A new link for the entrance tablet; earlier links keep working until disabled."""
    ctx = request.ctx
    site = ctx.staff_site(site_slug)
    if request.POST.get("action") == "disable":
        services.disable_kiosks(site, actor=request.user)
        messages.success(request, _("Les liens de borne de ce lieu sont désactivés."))
    else:
        _kiosk, token = services.create_kiosk(site, actor=request.user)
        request.session["access_new_kiosk_url"] = request.build_absolute_uri(
            reverse("access_kiosk", args=[token]))
    return redirect(desk_url(ctx.network, site))


# --- A member's access ------------------------------------------------------------------

@network_view("staff")
def member_access(request, member_id):
    """A member's badges, personal code and rights, and their last door decisions."""
    ctx = request.ctx
    member = get_object_or_404(Member.objects.select_related("user"), pk=member_id,
                               network=ctx.network)
    rights = MemberAccess.objects.filter(member=member).first()
    action = request.POST.get("action") if request.method == "POST" else None
    badge_form = BadgeForm(request.POST if action == "badge" else None, prefix="badge")
    pin_form = PinForm(request.POST if action == "pin" else None, prefix="pin")
    rights_form = RightsForm(request.POST if action == "rights" else None, prefix="rights",
                             initial={"around_the_clock": rights and rights.around_the_clock,
                                      "access_until": rights and rights.access_until})
    done = None
    try:
        if action == "badge" and badge_form.is_valid():
            services.issue_badge(member, badge_form.cleaned_data["uid"], actor=request.user,
                                 label=badge_form.cleaned_data["label"])
            done = _("Badge ajouté.")
        elif action == "pin" and pin_form.is_valid():
            services.set_pin(member, pin_form.cleaned_data["pin"], actor=request.user)
            done = _("Code personnel enregistré.")
        elif action == "rights" and rights_form.is_valid():
            if not ctx.is_coordinator:
                messages.error(request, _("Seule la coordination modifie les droits d'accès."))
                return redirect(request.path)
            services.set_member_access(member, actor=request.user, **rights_form.cleaned_data)
            done = _("Droits d'accès enregistrés.")
    except services.AccessError as err:
        (badge_form if action == "badge" else pin_form).add_error(None, err.message)
    if done:
        messages.success(request, done)
        return redirect(request.path)
    credentials = list(Credential.objects.filter(member=member).filter(
        Q(kind__in=[CredentialKind.BADGE, CredentialKind.PIN])
        | Q(valid_until__gte=timezone.now())).order_by("-is_active", "kind", "-created_at"))
    return render(request, "access/staff/member_access.html", {
        "member": member, "rights": rights, "credentials": credentials,
        "decisions": recent_decisions(member), "badge_form": badge_form, "pin_form": pin_form,
        "rights_form": rights_form,
    })


@require_POST
@network_view("staff")
def revoke(request, credential_id):
    ctx = request.ctx
    credential = get_object_or_404(Credential, pk=credential_id, network=ctx.network)
    services.revoke_credential(credential, actor=request.user)
    messages.success(request, _("Badge ou code désactivé."))
    if credential.member_id:
        return redirect("access_member", ctx.network.slug, credential.member_id)
    return redirect("access_front_desk", ctx.network.slug)


# --- Attendance -------------------------------------------------------------------------

@network_view("staff")
def attendance_view(request):
    """Attendance of the sites this person runs (all sites for a coordinator)."""
    ctx = request.ctx
    today = _today(ctx.network)
    data = request.GET if "first" in request.GET else None
    form = AttendanceForm(data, sites=ctx.staff_sites, initial={
        "first": today.replace(day=1), "last": today, "regular_days": 4})
    report = None
    if data is None:
        first, last, sites, n = today.replace(day=1), today, ctx.staff_sites, 4
        report = attendance(ctx.network, sites=sites, first=first, last=last, regular_days=n)
    elif form.is_valid():
        d = form.cleaned_data
        sites = [ctx.staff_site(d["site"])] if d["site"] else ctx.staff_sites
        report = attendance(ctx.network, sites=sites, first=d["first"], last=d["last"],
                            regular_days=d["regular_days"])
    return render(request, "access/staff/attendance.html", {"form": form, "report": report})
