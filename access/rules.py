"""Who may open a site's door, and why: the rules of issue 4, in the order they apply.

1. an unknown, disabled or expired credential opens nothing;
2. a booking code opens its booking's site during the booked span ± the network's margin; a
   guest's invitation code opens the invitation's site on its day during opening hours, while
   the member who invited may enter (active, access not ended, nothing unpaid);
3. an inactive member gets nothing; staff of the site (coordinators, its concierges) always
   enter;
4. nobody enters after their access ended (plan end) nor while an invoice is unpaid beyond the
   grace period (facts from `access.entitlements`);
5. 24/7 holders enter at any hour if the site lets subscribers in around the clock;
6. any other active member enters during opening hours, or during their own booking ± margin.

Each decision carries a stable `rule` code, a French sentence and the facts it read, so a
concierge can answer "why can't I get in?" from the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from access.entitlements import Entitlements, entitlements_for
from access.models import AccessPolicy, Credential, CredentialKind
from bookings.models import Booking, BookingStatus
from members.models import Role, RoleKind
from places.schedule import SiteSchedule

# Booking statuses during which the holder may come in.
ENTRY_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)

DEFAULT_NO_SHOW_MINUTES = {
    "open_space": 60, "fixed_desk": 60, "private_office": 60,
    "meeting_room": 15, "visio_point": 10, "phone_booth": 10,
}


def day_schedule(site, date: dt.date) -> SiteSchedule:
    """The site's hours on one local date, from the per-process cache (see access.hotcache)."""
    from access import hotcache

    return hotcache.get(("day", site.pk, date), lambda: SiteSchedule.for_day(site, date))


def policy_for(network) -> AccessPolicy:
    """The network's access policy, or the defaults (unsaved) when it has none."""
    return AccessPolicy.objects.filter(network=network).first() or AccessPolicy(network=network)


@dataclass
class Decision:
    allowed: bool
    rule: str
    reason: str
    facts: dict = field(default_factory=dict)
    credential: Credential | None = None
    member_id: int | None = None
    booking_id: int | None = None
    invitation_id: int | None = None


def _fmt(moment: dt.datetime, tz) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def is_open_at(schedule: SiteSchedule, now: dt.datetime) -> tuple[bool, str]:
    """Whether the site is open at `now` (local wall clock), and today's hours as text."""
    local = now.astimezone(schedule.tz)
    hours = schedule.day(local.date())
    t = local.time()
    is_open = any(opens <= t < closes for opens, closes in hours.intervals)
    return is_open, hours.describe() or hours.closure_reason or ""


def is_site_staff(member, site, roles=None) -> bool:
    roles = roles if roles is not None else list(Role.objects.filter(member=member))
    return any(r.kind == RoleKind.COORDINATOR
               or (r.kind == RoleKind.CONCIERGE and r.site_id in (None, site.pk))
               for r in roles)


def _deny(rule, reason, facts, **kw) -> Decision:
    return Decision(False, rule, reason, facts, **kw)


def _allow(rule, reason, facts, **kw) -> Decision:
    return Decision(True, rule, reason, facts, **kw)


def _entitlement_refusal(ent: Entitlements, local_today: dt.date, facts, **kw):
    if ent.access_until is not None and ent.access_until < local_today:
        return _deny("access_ended", _("Les droits d'accès ont pris fin le %(date)s.") % {
            "date": ent.access_until.strftime("%d/%m/%Y")}, facts, **kw)
    if ent.unpaid_overdue:
        return _deny("unpaid", _("Une facture est impayée au-delà du délai de grâce."),
                     facts, **kw)
    return None


def decide(site, credential: Credential | None, *, now: dt.datetime,
           policy: AccessPolicy | None = None, schedule: SiteSchedule | None = None) -> Decision:
    """May the holder of `credential` open a door of `site` at `now`?"""
    network = site.network
    tz = network.tz
    policy = policy or policy_for(network)
    margin = dt.timedelta(minutes=policy.code_margin_minutes)
    local_now = now.astimezone(tz)
    facts: dict = {"site": site.slug, "local_time": local_now.strftime("%Y-%m-%d %H:%M")}

    if credential is None:
        return _deny("unknown_credential", _("Badge ou code inconnu dans ce réseau."), facts)
    facts["credential"] = {"id": credential.pk, "kind": credential.kind, "hint": credential.hint}
    kw = {"credential": credential, "member_id": credential.member_id}
    if not credential.is_active:
        return _deny("credential_disabled", _("Ce badge ou ce code a été désactivé."), facts,
                     **kw)
    if credential.kind == CredentialKind.BOOKING_CODE:
        # Valid for the booking as it is now (moved or cancelled bookings are followed).
        return _decide_booking_code(site, credential, now=now, policy=policy, facts=facts, kw=kw)
    if credential.kind == CredentialKind.INVITATION:
        return _decide_invitation(site, credential, now=now, policy=policy, facts=facts, kw=kw,
                                  schedule=schedule)
    if credential.valid_from and now < credential.valid_from:
        return _deny("not_yet_valid", _("Valable à partir du %(time)s.") % {
            "time": _fmt(credential.valid_from, tz)}, facts, **kw)
    if credential.valid_until and now >= credential.valid_until:
        return _deny("expired", _("Valable jusqu'au %(time)s : expiré.") % {
            "time": _fmt(credential.valid_until, tz)}, facts, **kw)

    member = credential.member
    facts["member"] = member.pk
    if not member.is_active:
        return _deny("member_inactive", _("L'adhésion de cette personne n'est pas active."),
                     facts, **kw)
    staff = getattr(credential, "site_staff", None)  # found with the credential at a door
    if staff if staff is not None else is_site_staff(member, site):
        facts["staff"] = True
        return _allow("staff", _("Équipe du lieu : accès à toute heure."), facts, **kw)

    ent = entitlements_for(network, [member.pk], now=now,
                           grace_days=policy.unpaid_grace_days)[member.pk]
    facts.update(ent.as_facts())
    facts["site_allows_24_7"] = site.members_24_7
    refusal = _entitlement_refusal(ent, local_now.date(), facts, **kw)
    if refusal:
        return refusal
    if ent.around_the_clock and site.members_24_7:
        return _allow("around_the_clock", _("Abonnement avec accès 24h/24."), facts, **kw)

    # Only today's hours matter here: one query rather than the whole schedule's two, and
    # remembered a few seconds per process (access.hotcache).
    schedule = schedule or day_schedule(site, local_now.date())
    is_open, hours = is_open_at(schedule, now)
    facts["open_now"], facts["hours_today"] = is_open, hours
    if is_open:
        return _allow("opening_hours", _("Lieu ouvert (%(hours)s).") % {"hours": hours},
                      facts, **kw)

    booking = (Booking.objects.filter(member=member, site=site, status__in=ENTRY_STATUSES,
                                      start__lte=now + margin, end__gt=now - margin)
               .order_by("start").first())
    if booking is not None:
        facts["booking"] = booking.pk
        return _allow("booking", _("Réservation en cours (%(start)s – %(end)s).") % {
            "start": _fmt(booking.start, tz), "end": booking.end.astimezone(tz).strftime("%H:%M")},
            facts, booking_id=booking.pk, **kw)
    when = (_("horaires du jour : %(hours)s") % {"hours": hours}) if hours else _("aujourd'hui")
    if ent.around_the_clock:
        return _deny("closed_no_24_7", _("Lieu fermé (%(when)s) : il n'ouvre pas 24h/24 aux "
                                         "abonnés.") % {"when": when}, facts, **kw)
    return _deny("closed", _("Lieu fermé (%(when)s) et aucune réservation en cours.") % {
        "when": when}, facts, **kw)


def _decide_booking_code(site, credential, *, now, policy, facts, kw) -> Decision:
    booking = credential.booking
    tz = site.network.tz
    margin = dt.timedelta(minutes=policy.code_margin_minutes)
    facts["booking"] = booking.pk
    kw = {**kw, "booking_id": booking.pk, "member_id": booking.member_id}
    if booking.site_id != site.pk:
        return _deny("other_site", _("Ce code est valable pour un autre lieu (%(site)s).") % {
            "site": booking.site.name}, facts, **kw)
    if booking.status not in ENTRY_STATUSES:
        return _deny("booking_not_active", _("La réservation de ce code n'est plus valable "
                                             "(%(status)s).") % {
            "status": booking.get_status_display()}, facts, **kw)
    opens, closes = booking.start - margin, booking.end + margin
    facts["valid"] = [opens.isoformat(), closes.isoformat()]
    if now < opens:
        return _deny("not_yet_valid", _("Valable à partir du %(time)s.") % {
            "time": _fmt(opens, tz)}, facts, **kw)
    if now >= closes:
        return _deny("expired", _("Valable jusqu'au %(time)s : expiré.") % {
            "time": _fmt(closes, tz)}, facts, **kw)
    if booking.member_id:
        facts["member"] = booking.member_id
        ent = entitlements_for(site.network, [booking.member_id], now=now,
                               grace_days=policy.unpaid_grace_days)[booking.member_id]
        facts.update(ent.as_facts())
        refusal = _entitlement_refusal(ent, now.astimezone(tz).date(), facts, **kw)
        if refusal:
            return refusal
    return _allow("booking_code", _("Code de réservation valable jusqu'au %(time)s.") % {
        "time": _fmt(closes, tz)}, facts, **kw)


def _decide_invitation(site, credential, *, now, policy, facts, kw, schedule=None) -> Decision:
    """A guest's code opens the invitation's site on its day, during opening hours, while the
    member who invited may enter themselves (active, access not ended, nothing unpaid)."""
    invitation = credential.invitation
    tz = site.network.tz
    local_now = now.astimezone(tz)
    facts.update(invitation=invitation.pk, member=invitation.member_id,
                 day=invitation.day.isoformat())
    kw = {**kw, "member_id": invitation.member_id, "invitation_id": invitation.pk}
    day = invitation.day.strftime("%d/%m/%Y")
    if invitation.cancelled_at is not None:
        return _deny("invitation_cancelled", _("Cette invitation a été annulée."), facts, **kw)
    if invitation.site_id != site.pk:
        return _deny("other_site", _("Ce code est valable pour un autre lieu (%(site)s).") % {
            "site": invitation.site.name}, facts, **kw)
    if local_now.date() < invitation.day:
        return _deny("not_yet_valid", _("Invitation valable le %(day)s.") % {"day": day},
                     facts, **kw)
    if local_now.date() > invitation.day:
        return _deny("expired", _("Invitation valable le %(day)s : expirée.") % {"day": day},
                     facts, **kw)
    host = invitation.member
    if not host.is_active:
        return _deny("member_inactive", _("La personne qui invite n'est plus membre active du "
                                          "réseau."), facts, **kw)
    ent = entitlements_for(site.network, [host.pk], now=now,
                           grace_days=policy.unpaid_grace_days)[host.pk]
    facts.update(ent.as_facts())
    refusal = _entitlement_refusal(ent, local_now.date(), facts, **kw)
    if refusal:
        return refusal
    schedule = schedule or day_schedule(site, local_now.date())
    is_open, hours = is_open_at(schedule, now)
    facts["open_now"], facts["hours_today"] = is_open, hours
    if is_open:
        return _allow("invitation", _("Invitation du jour, lieu ouvert (%(hours)s).") % {
            "hours": hours}, facts, **kw)
    when = (_("horaires du jour : %(hours)s") % {"hours": hours}) if hours else _("aujourd'hui")
    return _deny("closed", _("Lieu fermé (%(when)s) : une invitation ouvre aux heures "
                             "d'ouverture.") % {"when": when}, facts, **kw)
