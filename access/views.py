"""A member's access pages (/r/<network>/acces/): their badges and codes, their consent to
appear on "who is here", who is here now, and a booking's pass (QR code for the entrance
tablet and a one-off door code)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import services
from access.forms import InvitationForm
from access.models import Credential, CredentialKind, Invitation, MemberAccess
from access.presence import check_in_token
from access.rules import ENTRY_STATUSES
from access.selectors import here_now
from bookings.models import Booking
from core.context import network_view
from places.models import Site


@network_view("member")
def my_access(request):
    """My badges and codes, my consent, and who (among those who agreed) is here now."""
    ctx = request.ctx
    if request.method == "POST":
        visible = request.POST.get("show_presence") == "1"
        services.set_presence_consent(ctx.member, visible=visible)
        messages.success(request, _("Vous apparaissez désormais dans « qui est là ».") if visible
                         else _("Vous n'apparaissez plus dans « qui est là »."))
        return redirect("access_mine", ctx.network.slug)
    rights = MemberAccess.objects.filter(member=ctx.member).first()
    now = timezone.now()
    sites = list(Site.objects.filter(network=ctx.network, is_active=True).select_related(
        "network"))
    return render(request, "access/mine.html", {
        "rights": rights,
        "credentials": Credential.objects.filter(
            member=ctx.member, is_active=True,
            kind__in=[CredentialKind.BADGE, CredentialKind.PIN]),
        "here": [(site, here_now(site, now=now, visible_only=True)) for site in sites],
    })


def _my_booking(request, booking_id) -> Booking:
    ctx = request.ctx
    return get_object_or_404(Booking.objects.select_related("site", "resource", "network"),
                             pk=booking_id, network=ctx.network, member=ctx.member)


@network_view("member")
def booking_pass(request, booking_id):
    """The QR code to scan at the site's tablet, and the door code of a booking."""
    booking = _my_booking(request, booking_id)
    qr = segno.make(check_in_token(booking), error="m")
    return render(request, "access/booking_pass.html", {
        "booking": booking, "active": booking.status in ENTRY_STATUSES,
        "qr_svg": qr.svg_inline(scale=5, title=_("QR code de la réservation")),
        "codes": booking.access_codes.filter(is_active=True).count(),
        "new_code": request.session.pop("access_new_code", None),
    })


@require_POST
@network_view("member")
def booking_code(request, booking_id):
    """Issue a one-off door code for my booking; shown once and sent by e-mail."""
    booking = _my_booking(request, booking_id)
    if booking.status not in ENTRY_STATUSES or booking.end <= timezone.now():
        messages.error(request, _("Cette réservation n'ouvre plus la porte."))
        return redirect("access_booking_pass", request.ctx.network.slug, booking.pk)
    with transaction.atomic():
        credential, code = services.issue_booking_code(booking, actor=request.user)
        tz = booking.network.tz
        body = _("Votre code d'accès pour %(site)s : %(code)s\nValable du %(start)s au "
                 "%(end)s.") % {
            "site": booking.site.name, "code": code,
            "start": credential.valid_from.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            "end": credential.valid_until.astimezone(tz).strftime("%d/%m/%Y %H:%M")}
        email = request.user.email
        transaction.on_commit(lambda: send_mail(
            _("Code d'accès – %(site)s") % {"site": booking.site.name}, body, None, [email]))
    request.session["access_new_code"] = code
    return redirect("access_booking_pass", request.ctx.network.slug, booking.pk)


@network_view("member")
def my_invitations(request):
    """Invite a guest (name, e-mail, day, site) and see or cancel my invitations."""
    ctx = request.ctx
    now = timezone.now()
    sites = Site.objects.filter(network=ctx.network, is_active=True).select_related("network")
    today = now.astimezone(ctx.network.tz).date()
    form = InvitationForm(request.POST or None, sites=sites, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _code = services.invite_guest(
                ctx.member, site=data["site"], guest_name=data["guest_name"],
                guest_email=data["guest_email"], day=data["day"], actor=request.user, now=now)
        except services.AccessError as err:
            form.add_error("day" if err.code in ("past", "too_far", "closed") else None,
                           err.message)
        else:
            messages.success(request, _("%(guest)s est invité·e le %(day)s : son code d'accès "
                                        "lui est envoyé par e-mail.") % {
                "guest": invitation.guest_name, "day": invitation.day.strftime("%d/%m/%Y")})
            return redirect("access_invitations", ctx.network.slug)
    invitations = list(Invitation.objects.filter(member=ctx.member, network=ctx.network)
                       .select_related("site").prefetch_related("visits")
                       .order_by("-day", "-created_at")[:100])
    return render(request, "access/invitations.html", {
        "form": form, "today": today,
        "upcoming": [i for i in invitations if i.day >= today],
        "past": [i for i in invitations if i.day < today],
    })


@require_POST
@network_view("member")
def cancel_invitation(request, invitation_id):
    """Cancel one of my invitations (another member's is a 404)."""
    ctx = request.ctx
    invitation = get_object_or_404(Invitation, pk=invitation_id, network=ctx.network,
                                   member=ctx.member)
    now = timezone.now()
    if invitation.day < now.astimezone(ctx.network.tz).date():
        messages.error(request, _("Cette invitation est passée."))
    else:
        services.cancel_invitation(invitation, actor=request.user, now=now)
        messages.success(request, _("Invitation de %(guest)s annulée.") % {
            "guest": invitation.guest_name})
    return redirect("access_invitations", ctx.network.slug)
