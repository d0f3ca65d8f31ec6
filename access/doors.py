"""What a door controller asks: "may this badge/code open my door now?", its offline
allow-list, and the upload of what it decided while offline."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from access import crypto
from access.entitlements import entitlements_for, preloaded_rights
from access.models import (
    AccessDecision,
    AllowListIssue,
    Credential,
    CredentialKind,
    DecisionOrigin,
    DoorController,
    MemberAccess,
    PresenceSource,
)
from access.presence import (
    check_in_current_bookings,
    guest_arrival_by_booking,
    guest_arrival_by_invitation,
    record_presence,
)
from access.rules import ENTRY_STATUSES, Decision, decide, is_site_staff, policy_for
from bookings.models import Booking
from members.models import Member, Role, RoleKind
from places.schedule import SiteSchedule

TYPED = (CredentialKind.PIN, CredentialKind.BOOKING_CODE, CredentialKind.INVITATION)


def find_credential(network, kind: str, value: str, *, site=None) -> Credential | None:
    """The credential a badge UID ("badge") or a typed code ("code") designates, with its
    member. Given the door's `site`, the same statement tells whether the member is staff of
    that site (`credential.site_staff`), so the roles need no query of their own."""
    secret_hash = crypto.credential_hash(network.pk, kind, value)
    kinds = (CredentialKind.BADGE,) if kind == "badge" else TYPED
    if site is None:
        # Found by the unique index (network, secret_hash); booking codes, rarer, load their
        # booking on demand.
        query = (Credential.objects.select_related("member")
                 .filter(network=network, secret_hash=secret_hash, kind__in=kinds).order_by())
        return next(iter(query[:1]), None)
    return _credential_at_door(network.pk, secret_hash, kinds, site.pk)


def _credential_sql() -> str:
    credential, member = Credential._meta.db_table, Member._meta.db_table
    role, rights = Role._meta.db_table, MemberAccess._meta.db_table
    member_columns = ", ".join(f'm."{column}" AS "m__{column}"' for column in _MEMBER_COLUMNS)
    return (
        f'SELECT c.*, {member_columns}, ma.around_the_clock AS ma_clock, '  # noqa: S608 - table names from the models
        f'ma.access_until AS ma_until, EXISTS (SELECT 1 FROM "{role}" r '
        "WHERE r.member_id = c.member_id AND (r.kind = %s OR (r.kind = %s AND "
        "(r.site_id IS NULL OR r.site_id = %s)))) AS site_staff "
        f'FROM "{credential}" c LEFT JOIN "{member}" m ON m.id = c.member_id '
        f'LEFT JOIN "{rights}" ma ON ma.member_id = c.member_id '
        "WHERE c.network_id = %s AND c.secret_hash = %s AND c.kind IN ({kinds})")


# The member's columns the door rules read (others load on access, as deferred fields).
_MEMBER_COLUMNS = ("id", "network_id", "user_id", "status", "is_active")


def _credential_at_door(network_id, secret_hash, kinds, site_id) -> Credential | None:
    """One indexed statement instead of the ORM's credential and roles queries: profiling
    on PostgreSQL showed building them in the ORM cost more than running them."""
    sql = _credential_sql().replace("{kinds}", ", ".join(["%s"] * len(kinds)))
    params = [RoleKind.COORDINATOR, RoleKind.CONCIERGE, site_id, network_id, secret_hash,
              *kinds]
    found = next(iter(Credential.objects.raw(sql, params)), None)
    if found is None:
        return None
    if found.member_id is not None:
        values = {c: getattr(found, f"m__{c}") for c in _MEMBER_COLUMNS}
        names = [f.attname for f in Member._meta.concrete_fields if f.attname in values]
        member = Member.from_db(Credential.objects.db, names, [values[n] for n in names])
        member.is_active = bool(member.is_active)  # SQLite answers 0/1 to a raw query
        found._state.fields_cache["member"] = member
        until = found.ma_until
        if isinstance(until, str):  # SQLite answers text to a raw query
            until = dt.date.fromisoformat(until)
        # The member's staff-set rights (MemberAccess), for access.entitlements.
        found.member_rights = {found.member_id: (bool(found.ma_clock), until)}
    found.site_staff = bool(found.site_staff)
    return found


def _record(controller, decision: Decision, *, at, origin, event_id="", site=None, facts=None):
    site = site or controller.site
    row = AccessDecision(
        network_id=site.network_id, site=site, controller=controller,
        credential=decision.credential, member_id=decision.member_id, at=at,
        allowed=decision.allowed, rule=decision.rule, reason=decision.reason[:255],
        facts=facts if facts is not None else decision.facts, origin=origin, event_id=event_id)
    if not event_id:
        row.save(force_insert=True)  # cannot conflict: no savepoint needed
        return True
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return False  # this event was already recorded (retry or replayed upload)
    return True


def _arrival(controller, decision: Decision, *, at, event_id, actor=None, policy=None):
    """An allowed door entry is a presence, and checks in the booking it covers. A guest's
    code (an invitation, or a booking without a member account) records the guest's visit:
    under the member who invited them, or linked to the booking."""
    if not decision.allowed:
        return
    credential = decision.credential
    if credential is not None and credential.kind == CredentialKind.INVITATION:
        guest_arrival_by_invitation(credential.invitation, controller.site, at=at,
                                    controller=controller, event_id=event_id)
        return
    if decision.member_id is None:
        booking_id = decision.booking_id or (credential.booking_id if credential else None)
        if booking_id is not None:
            booking = (credential.booking if credential is not None
                       and credential.booking_id == booking_id
                       else Booking.objects.get(pk=booking_id))
            guest_arrival_by_booking(booking, controller.site, at=at, controller=controller,
                                     event_id=event_id, actor=actor)
        return
    if credential is not None and credential.member_id == decision.member_id:
        member = credential.member  # loaded with the credential
    else:
        member = Member.objects.get(pk=decision.member_id)
    # The decision with this event id was inserted just before, in the same transaction:
    # the presence cannot be a duplicate, no savepoint needed.
    record_presence(controller.site, at=at, source=PresenceSource.DOOR, member=member,
                    controller=controller, event_id=event_id, savepoint=False)
    check_in_current_bookings(member, controller.site, at=at, actor=actor, policy=policy)


def decide_at_door(controller: DoorController, *, kind: str, value: str, now: dt.datetime,
                   policy=None) -> Decision:
    """The decision for a controller's door, without recording it (reads only)."""
    site = controller.site
    credential = find_credential(site.network, kind, value, site=site)
    rights = getattr(credential, "member_rights", None) or {}
    with preloaded_rights(rights):
        return decide(site, credential, now=now, policy=policy or policy_for(site.network))


def record_door_decision(controller: DoorController, decision: Decision, *, now: dt.datetime,
                         event_id: str = "", policy=None) -> bool:
    """Log the decision and record the entry; False if this event id was already recorded
    (the controller retrying after a timeout)."""
    # No savepoint of its own: _record keeps one around the only insert that may conflict.
    with transaction.atomic(savepoint=False):
        if _record(controller, decision, at=now, origin=DecisionOrigin.ONLINE,
                   event_id=event_id):
            _arrival(controller, decision, at=now, event_id=event_id, policy=policy)
            return True
    return False


def check_access(controller: DoorController, *, kind: str, value: str, now: dt.datetime,
                 event_id: str = "", policy=None) -> Decision:
    """Decide for a controller's door, log the decision, and record the entry. A repeated
    event id returns the decision without recording it twice. A door waits for this: a
    fixed handful of queries, see tests/access/test_api.py::test_decision_query_count."""
    policy = policy or policy_for(controller.site.network)
    decision = decide_at_door(controller, kind=kind, value=value, now=now, policy=policy)
    record_door_decision(controller, decision, now=now, event_id=event_id, policy=policy)
    return decision


@dataclass
class UploadReport:
    recorded: int = 0
    duplicates: int = 0
    rejected: list | None = None


def ingest_offline_events(controller: DoorController, events: list[dict], *,
                          now: dt.datetime) -> UploadReport:
    """Store what a controller decided while offline. Each event carries its own id:
    events already stored are skipped, so an upload can be repeated until acknowledged."""
    site = controller.site
    report = UploadReport(rejected=[])
    hashes = {e.get("credential_hash") for e in events if e.get("credential_hash")}
    credentials = {c.secret_hash: c for c in Credential.objects.filter(
        network_id=site.network_id, secret_hash__in=hashes)}
    for event in events:
        try:
            at = dt.datetime.fromisoformat(event["at"])
            event_id = str(event["event_id"])[:64]
            allowed = bool(event["allowed"])
        except (KeyError, TypeError, ValueError):
            report.rejected.append(event.get("event_id") if isinstance(event, dict) else None)
            continue
        if at.tzinfo is None or not event_id or at > now + dt.timedelta(minutes=5):
            report.rejected.append(event_id)
            continue
        credential = credentials.get(event.get("credential_hash") or "")
        decision = Decision(
            allowed, str(event.get("rule", "offline"))[:32],
            str(event.get("reason") or _("Décision prise hors ligne par le contrôleur."))[:255],
            {"offline": True, "list_version": event.get("list_version")},
            credential=credential, member_id=credential.member_id if credential else None)
        with transaction.atomic():
            if _record(controller, decision, at=at, origin=DecisionOrigin.OFFLINE,
                       event_id=event_id):
                _arrival(controller, decision, at=at, event_id=event_id)
                report.recorded += 1
            else:
                report.duplicates += 1
    return report


# --- Allow-list -------------------------------------------------------------------------

def _open_windows(schedule: SiteSchedule, first: dt.date, last: dt.date):
    """Opening intervals of whole local days (so the list changes once a day, not hourly)."""
    windows, day = [], first
    while day <= last:
        for opens, closes in schedule.day(day).intervals:
            windows.append([int(schedule.local(day, opens).timestamp()),
                            int(schedule.local(day, closes).timestamp())])
        day += dt.timedelta(days=1)
    return windows


def build_allow_list(controller: DoorController, *, now: dt.datetime) -> dict:
    """Everything the controller needs to decide alone until `valid_until`: the site's
    opening windows and, per credential (by hash), whether it opens at any hour, during
    opening hours, and its own windows (bookings, codes). People refused by a rule that does
    not depend on the hour (ended access, unpaid, inactive) are left out."""
    site = controller.site
    network = site.network
    policy = policy_for(network)
    margin = dt.timedelta(minutes=policy.code_margin_minutes)
    valid_until = now + dt.timedelta(hours=policy.allow_list_hours)
    schedule = SiteSchedule(site)
    local_today = now.astimezone(network.tz).date()

    credentials = list(Credential.objects.filter(network=network, is_active=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)).filter(
        Q(member__isnull=True) | Q(member__is_active=True)).select_related("booking",
                                                                           "invitation"))
    member_ids = {c.member_id for c in credentials if c.member_id}
    roles = {}
    for role in Role.objects.filter(network=network, member_id__in=member_ids):
        roles.setdefault(role.member_id, []).append(role)
    ents = entitlements_for(network, member_ids, now=now, grace_days=policy.unpaid_grace_days)
    bookings = {}
    for b in Booking.objects.filter(site=site, member_id__in=member_ids,
                                    status__in=ENTRY_STATUSES, end__gt=now - margin,
                                    start__lt=valid_until + margin).order_by("start"):
        bookings.setdefault(b.member_id, []).append(
            [int((b.start - margin).timestamp()), int((b.end + margin).timestamp())])

    entries = []
    for c in credentials:
        entry = {"h": c.secret_hash, "k": c.kind, "m": c.member_id}
        if c.kind == CredentialKind.INVITATION:
            inv = c.invitation
            if inv.cancelled_at is not None or inv.site_id != site.pk or inv.day < local_today:
                continue
            ent = ents.get(c.member_id)
            if ent and (ent.unpaid_overdue or (ent.access_until and
                                               ent.access_until < local_today)):
                continue
            # The guest enters during that day's opening hours only.
            windows = _open_windows(schedule, inv.day, inv.day)
            if not windows:
                continue
            entry.update(rule="invitation", windows=windows)
        elif c.kind == CredentialKind.BOOKING_CODE:
            b = c.booking
            if b.site_id != site.pk or b.status not in ENTRY_STATUSES or b.end + margin <= now:
                continue
            if b.member_id:
                ent = ents.get(b.member_id)
                if ent and (ent.unpaid_overdue or (ent.access_until and
                                                   ent.access_until < local_today)):
                    continue
            entry.update(rule="booking_code", windows=[
                [int((b.start - margin).timestamp()), int((b.end + margin).timestamp())]])
        else:
            member_roles = roles.get(c.member_id, [])
            if is_site_staff(None, site, member_roles):  # roles preloaded: no query
                entry.update(rule="staff", always=True)
            else:
                ent = ents[c.member_id]
                if ent.unpaid_overdue or (ent.access_until and ent.access_until < local_today):
                    continue
                if ent.around_the_clock and site.members_24_7:
                    entry.update(rule="around_the_clock", always=True)
                else:
                    entry.update(rule="member", open_hours=True,
                                 windows=bookings.get(c.member_id, []))
            until = [int(c.valid_until.timestamp())] if c.valid_until else []
            ent = ents.get(c.member_id)
            if ent is not None and ent.access_until is not None:
                # Access ends with the plan's last local day.
                end = schedule.local(ent.access_until + dt.timedelta(days=1), dt.time(0))
                until.append(int(end.timestamp()))
            if until:
                entry["until"] = min(until)
        entries.append(entry)
    entries.sort(key=lambda e: e["h"])
    content = {
        "site": site.slug,
        "open": _open_windows(schedule, local_today, valid_until.astimezone(network.tz).date()),
        "entries": entries,
        "hash_key": crypto.network_credential_key(network.pk),
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    issue = _issue(controller, digest=digest, entries=len(entries), valid_until=valid_until,
                   now=now)
    return {"version": issue.version, "controller": controller.key_id,
            "generated_at": int(now.timestamp()), "valid_until": int(valid_until.timestamp()),
            **content}


def _issue(controller, *, digest, entries, valid_until, now) -> AllowListIssue:
    """The version number goes up only when the content changes (opening windows move with
    time, so in practice at each download after an hour boundary or a change)."""
    with transaction.atomic():
        last = (AllowListIssue.objects.select_for_update().filter(controller=controller)
                .order_by("-version").first())
        if last is not None and last.digest == digest:
            AllowListIssue.objects.filter(pk=last.pk).update(valid_until=valid_until,
                                                             issued_at=now)
            return last
        return AllowListIssue.objects.create(
            network_id=controller.network_id, controller=controller,
            version=(last.version + 1) if last else 1, digest=digest, entries=entries,
            valid_until=valid_until, issued_at=now)
