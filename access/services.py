"""Writes about who holds what: credentials, member rights, door controllers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from access import crypto
from access.models import (
    Credential,
    CredentialKind,
    DoorController,
    Invitation,
    Kiosk,
    MemberAccess,
)
from access.rules import policy_for
from core import audit


class AccessError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _hint(value: str) -> str:
    return value[-4:] if len(value) > 4 else ""


def _create_credential(network, *, kind, value, actor, **fields) -> Credential:
    value = crypto.normalise(kind, value)
    try:
        with transaction.atomic():
            credential = Credential.objects.create(
                network=network, kind=kind, secret_hash=crypto.credential_hash(network.pk, kind,
                                                                               value),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                **fields)
    except IntegrityError as exc:
        raise AccessError("duplicate", _("Ce badge ou ce code est déjà attribué dans ce "
                                         "réseau.")) from exc
    return credential


def issue_badge(member, uid: str, *, actor, label: str = "",
                valid_until: dt.datetime | None = None) -> Credential:
    """Attach an RFID badge to a member; a UID may belong to one person per network."""
    uid = crypto.normalise("badge", uid)
    if not (4 <= len(uid) <= 32) or any(c not in "0123456789ABCDEF" for c in uid):
        raise AccessError("invalid", _("L'identifiant d'un badge s'écrit en hexadécimal "
                                       "(4 à 32 caractères)."))
    with transaction.atomic():
        credential = _create_credential(member.network, kind=CredentialKind.BADGE, value=uid,
                                        actor=actor, member=member, label=label, hint=_hint(uid),
                                        valid_until=valid_until)
        audit.record(network=member.network, actor=actor, action="access.badge_issued",
                     target=credential, data={"member": member.pk})
    return credential


def set_pin(member, pin: str, *, actor) -> Credential:
    """Give a member a personal code (4 to 6 digits); it replaces their previous one."""
    pin = crypto.normalise("pin", pin)
    if not (pin.isdigit() and 4 <= len(pin) <= 6):
        raise AccessError("invalid", _("Un code personnel compte 4 à 6 chiffres."))
    with transaction.atomic():
        Credential.objects.filter(member=member, kind=CredentialKind.PIN).delete()
        credential = _create_credential(member.network, kind=CredentialKind.PIN, value=pin,
                                        actor=actor, member=member)
        audit.record(network=member.network, actor=actor, action="access.pin_set",
                     target=credential, data={"member": member.pk})
    return credential


BOOKING_CODE_DIGITS = 8  # longer than any PIN, so the two never meet at a keypad


def issue_booking_code(booking, *, actor) -> tuple[Credential, str]:
    """A one-off code for a booking, valid for its span ± the network's margin (checked
    against the booking as it stands, see rules). Returns the code in clear, once."""
    margin = dt.timedelta(minutes=policy_for(booking.network).code_margin_minutes)
    for _attempt in range(5):
        code = "".join(secrets.choice("0123456789") for _ in range(BOOKING_CODE_DIGITS))
        try:
            with transaction.atomic():
                credential = _create_credential(
                    booking.network, kind=CredentialKind.BOOKING_CODE, value=code, actor=actor,
                    booking=booking, member=booking.member, hint=code[-2:],
                    valid_from=booking.start - margin, valid_until=booking.end + margin)
                audit.record(network=booking.network, actor=actor,
                             action="access.booking_code_issued", target=credential,
                             data={"booking": booking.pk})
            return credential, code
        except AccessError:
            continue  # collided with an existing code: draw another
    raise AccessError("duplicate", _("Impossible de générer un code unique."))


INVITATION_DAYS_AHEAD = 90


def _one_off_code(network, *, actor, **fields) -> tuple[Credential, str]:
    for _attempt in range(5):
        code = "".join(secrets.choice("0123456789") for _ in range(BOOKING_CODE_DIGITS))
        try:
            return _create_credential(network, value=code, actor=actor, hint=code[-2:],
                                      **fields), code
        except AccessError:
            continue  # collided with an existing code: draw another
    raise AccessError("duplicate", _("Impossible de générer un code unique."))


def invite_guest(member, *, site, guest_name: str, guest_email: str, day: dt.date, actor,
                 now: dt.datetime) -> tuple[Invitation, str]:
    """A member invites a guest to a site for one local day. The guest receives by e-mail
    (after the commit, through the task queue) a one-off door code valid that day during
    opening hours (see rules._decide_invitation). Returns the invitation and the code."""
    from django.core.mail import send_mail

    from access.selectors import local_day_bounds
    from places.schedule import SiteSchedule

    network = member.network
    guest_name, guest_email = guest_name.strip(), guest_email.strip().lower()
    today = now.astimezone(network.tz).date()
    if site.network_id != network.pk or not site.is_active:
        raise AccessError("site", _("Ce lieu n'appartient pas à ce réseau."))
    if not member.is_active:
        raise AccessError("inactive", _("Votre adhésion n'est pas active."))
    if not guest_name or not guest_email:
        raise AccessError("guest", _("Indiquez le nom et l'e-mail de la personne invitée."))
    if day < today:
        raise AccessError("past", _("Ce jour est passé."))
    if day > today + dt.timedelta(days=INVITATION_DAYS_AHEAD):
        raise AccessError("too_far", _("Une invitation se fait au plus %(n)s jours à "
                                       "l'avance.") % {"n": INVITATION_DAYS_AHEAD})
    hours = SiteSchedule(site).day(day)
    if not hours.is_open:
        raise AccessError("closed", _("%(site)s est fermé le %(day)s : choisissez un autre "
                                      "jour.") % {"site": site.name,
                                                  "day": day.strftime("%d/%m/%Y")})
    start, end = local_day_bounds(network, day)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            network=network, site=site, member=member, guest_name=guest_name[:200],
            guest_email=guest_email, day=day, created_at=now)
        credential, code = _one_off_code(
            network, kind=CredentialKind.INVITATION, actor=actor, member=member,
            invitation=invitation, valid_from=start, valid_until=end,
            label=guest_name[:100])
        audit.record(network=network, actor=actor, action="access.guest_invited",
                     target=invitation, data={"site": site.pk, "day": day.isoformat(),
                                              "credential": credential.pk})
        body = _(
            "Bonjour %(guest)s,\n\n%(host)s vous invite à %(site)s (%(address)s) le %(day)s.\n"
            "Votre code d'accès, à taper sur le clavier de la porte : %(code)s\n"
            "Il ouvre la porte ce jour-là, aux heures d'ouverture (%(hours)s).\n") % {
            "guest": guest_name, "host": member.display_name, "site": site.name,
            "address": " ".join(filter(None, [site.address, site.postcode, site.city])),
            "day": day.strftime("%d/%m/%Y"), "code": code, "hours": hours.describe()}
        # The task e-mail backend (core.mail) queues it once the transaction commits.
        send_mail(_("Invitation à %(site)s le %(day)s") % {
            "site": site.name, "day": day.strftime("%d/%m/%Y")}, body, None, [guest_email])
    return invitation, code


def cancel_invitation(invitation: Invitation, *, actor, now: dt.datetime) -> Invitation:
    """Cancel an invitation: its code stops opening the door at once; the guest is told."""
    from django.core.mail import send_mail

    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.cancelled_at is not None:
            return locked
        locked.cancelled_at = now
        locked.save(update_fields=["cancelled_at"])
        Credential.objects.filter(invitation=locked).update(is_active=False)
        audit.record(network=locked.network, actor=actor, action="access.invitation_cancelled",
                     target=locked)
        send_mail(_("Invitation annulée – %(site)s") % {"site": locked.site.name},
                  _("Bonjour %(guest)s,\n\nL'invitation de %(host)s à %(site)s le %(day)s est "
                    "annulée : le code reçu n'ouvre plus la porte.\n") % {
                      "guest": locked.guest_name, "host": locked.member.display_name,
                      "site": locked.site.name, "day": locked.day.strftime("%d/%m/%Y")},
                  None, [locked.guest_email])
    return locked


def revoke_credential(credential: Credential, *, actor) -> Credential:
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(is_active=False)
        credential.is_active = False
        audit.record(network=credential.network, actor=actor, action="access.revoked",
                     target=credential)
    return credential


def set_member_access(member, *, around_the_clock: bool, access_until: dt.date | None,
                      actor) -> MemberAccess:
    """Staff-set rights (24/7, end date) standing in for plan entitlements (issue 3)."""
    with transaction.atomic():
        row, _created = MemberAccess.objects.update_or_create(
            member=member, defaults={"network": member.network,
                                     "around_the_clock": around_the_clock,
                                     "access_until": access_until})
        audit.record(network=member.network, actor=actor, action="access.rights_set",
                     target=row, data={"around_the_clock": around_the_clock,
                                       "access_until": access_until and access_until.isoformat()})
    return row


def set_presence_consent(member, *, visible: bool) -> MemberAccess:
    row, _created = MemberAccess.objects.get_or_create(member=member,
                                                       defaults={"network": member.network})
    MemberAccess.objects.filter(pk=row.pk).update(show_presence=visible)
    row.show_presence = visible
    return row


def register_controller(site, name: str, *, actor) -> tuple[DoorController, str]:
    """A new controller of a site; returns it with its secret key, shown once."""
    with transaction.atomic():
        controller = DoorController.objects.create(
            network=site.network, site=site, name=name, key_id=crypto.new_key_id(),
            key_salt=crypto.new_key_salt())
        audit.record(network=site.network, actor=actor, action="access.controller_registered",
                     target=controller, data={"site": site.pk})
    return controller, crypto.controller_secret(controller.key_id, controller.key_salt)


def disable_controller(controller: DoorController, *, actor) -> DoorController:
    """A disabled controller's requests are refused from now on (its key stays unusable:
    re-enabling means registering a new controller)."""
    with transaction.atomic():
        DoorController.objects.filter(pk=controller.pk).update(is_active=False)
        controller.is_active = False
        audit.record(network=controller.network, actor=actor,
                     action="access.controller_disabled", target=controller,
                     data={"site": controller.site_id})
    return controller


def rotate_controller_key(controller: DoorController, *, actor) -> str:
    """Invalidate the controller's key and return the new one."""
    with transaction.atomic():
        controller.key_salt = crypto.new_key_salt()
        controller.save(update_fields=["key_salt"])
        audit.record(network=controller.network, actor=actor, action="access.controller_rotated",
                     target=controller)
    return crypto.controller_secret(controller.key_id, controller.key_salt)


def create_kiosk(site, *, actor) -> tuple[Kiosk, str]:
    """A new kiosk link for a site's tablet; the token is shown once."""
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        kiosk = Kiosk.objects.create(network=site.network, site=site,
                                     token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                     created_by=actor if getattr(actor, "is_authenticated",
                                                                 False) else None)
        audit.record(network=site.network, actor=actor, action="access.kiosk_created",
                     target=kiosk, data={"site": site.pk})
    return kiosk, token


def disable_kiosks(site, *, actor) -> int:
    with transaction.atomic():
        count = Kiosk.objects.filter(site=site, is_active=True).update(is_active=False)
        audit.record(network=site.network, actor=actor, action="access.kiosks_disabled",
                     target=site, data={"count": count})
    return count
