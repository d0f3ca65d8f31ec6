"""The entrance tablet (/kiosque/<token>/): a walk-in registers, or a member scans the QR code
of their booking. The token in the URL is the credential; an unknown one is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from access.forms import ScanForm, WalkInForm
from access.models import PresenceSource
from access.presence import booking_from_token, check_in_booking, register_walk_in
from access.selectors import host_for_email, kiosk_for_token
from billing.services.walkin import sell_day_pass
from bookings.errors import BookingError


def kiosk(request, token):
    found = kiosk_for_token(token)
    if found is None:
        raise Http404
    site = found.site
    action = request.POST.get("action") if request.method == "POST" else None
    walk_in = WalkInForm(request.POST if action == "walk_in" else None, prefix="visit")
    scan = ScanForm(request.POST if action == "scan" else None, prefix="scan")
    host = None
    if action == "walk_in" and walk_in.is_valid() and walk_in.cleaned_data["host_email"]:
        host = host_for_email(site.network, walk_in.cleaned_data["host_email"])
        if host is None:
            walk_in.add_error("host_email", _("Aucun membre de ce réseau n'a cet e-mail."))
    if action == "walk_in" and walk_in.is_valid():
        data = walk_in.cleaned_data
        now = timezone.now()
        with transaction.atomic():
            visit = register_walk_in(site, name=data["name"], email=data["email"],
                                     status=data["status"], purpose=data["purpose"],
                                     home_commune=data["home_commune"], invited_by=host,
                                     now=now)
            # A day pass, billed when the network sells one (billing.services.walkin).
            purchase = sell_day_pass(visit, now=now)
        if purchase is not None:
            messages.success(request, _(
                "Bienvenue %(name)s ! Votre %(pass)s (%(amount)s €) est à régler à "
                "l'accueil.") % {"name": visit.name, "pass": purchase.pass_product.name,
                                 "amount": number_format(purchase.invoice.total_gross, 2)})
        else:
            messages.success(request, _("Bienvenue %(name)s ! L'accueil est prévenu de votre "
                                        "arrivée.") % {"name": visit.name})
        return redirect(request.path)
    if action == "scan" and scan.is_valid():
        booking = booking_from_token(scan.cleaned_data["token"].strip(), site=site)
        if booking is None:
            scan.add_error("token", _("Ce QR code ne correspond à aucune réservation de ce "
                                      "lieu."))
        else:
            try:
                check_in_booking(booking, source=PresenceSource.QR, actor=None,
                                 now=timezone.now())
            except BookingError as err:
                scan.add_error("token", err.full_message())
            else:
                messages.success(request, _("Bonjour %(name)s, votre présence est "
                                            "enregistrée.") % {"name": booking.holder_name})
                return redirect(request.path)
    return render(request, "access/kiosk.html", {"site": site, "walk_in": walk_in,
                                                 "scan": scan})
