"""Each access rule with its exact decision, rule code and reason (Autrans is open Monday to
Friday 9:00-18:00; the world's clock is Monday 23 November 2026)."""

import datetime as dt

import pytest
from django.test import override_settings

from access.doors import check_access, find_credential
from access.entitlements import Entitlements
from access.models import AccessDecision, AccessPolicy, PresenceEvent
from access.rules import decide
from access.services import (
    AccessError,
    issue_badge,
    issue_booking_code,
    revoke_credential,
    set_member_access,
    set_pin,
)
from bookings.models import Booking, BookingStatus
from tests import factories as f
from tests.conftest import local

MONDAY = dt.date(2026, 11, 23)
SATURDAY = dt.date(2026, 11, 28)


def at(site, uid, moment, kind="badge"):
    return decide(site, find_credential(site.network, kind, uid), now=moment)


@pytest.fixture
def badge(world):
    issue_badge(world.member, "04:A2:3B:1C", actor=None)
    return "04a23b1c"  # readers differ in case and separators: normalised


def evening_booking(world, day=MONDAY, member=None, site=None, status=BookingStatus.CONFIRMED):
    site = site or world.site
    resource = world.desks if site == world.site else site.resources.first()
    return Booking.objects.create(
        network=world.network, site=site, resource=resource,
        member=member or world.member, start=local(day, 19), end=local(day, 21),
        is_exclusive=False, status=status, source="staff")


def test_unknown_badge_is_refused(world):
    d = at(world.site, "DEADBEEF", local(MONDAY, 10))
    assert (d.allowed, d.rule, d.reason) == (False, "unknown_credential",
                                             "Badge ou code inconnu dans ce réseau.")


def test_member_enters_during_opening_hours(world, badge):
    d = at(world.site, badge, local(MONDAY, 10))
    assert (d.allowed, d.rule, d.reason) == (True, "opening_hours", "Lieu ouvert (09:00–18:00).")
    assert d.facts["open_now"] is True and d.facts["credential"]["hint"] == "3B1C"


def test_member_is_refused_when_closed_without_booking(world, badge):
    d = at(world.site, badge, local(MONDAY, 20))
    assert (d.allowed, d.rule, d.reason) == (
        False, "closed",
        "Lieu fermé (horaires du jour : 09:00–18:00) et aucune réservation en cours.")
    d = at(world.site, badge, local(SATURDAY, 10))
    assert (d.allowed, d.rule, d.reason) == (
        False, "closed", "Lieu fermé (aujourd'hui) et aucune réservation en cours.")


def test_booked_span_opens_with_the_margin_and_not_beyond(world, badge):
    booking = evening_booking(world)
    d = at(world.site, badge, local(MONDAY, 18, 45))  # 15 min margin before 19:00
    assert (d.allowed, d.rule) == (True, "booking")
    assert d.reason == "Réservation en cours (23/11/2026 19:00 – 21:00)."
    assert d.booking_id == booking.pk
    assert at(world.site, badge, local(MONDAY, 18, 44)).rule == "closed"
    assert at(world.site, badge, local(MONDAY, 21, 14)).rule == "booking"
    assert at(world.site, badge, local(MONDAY, 21, 15)).rule == "closed"


def test_margin_is_configurable_per_network(world, badge):
    evening_booking(world)
    AccessPolicy.objects.create(network=world.network, code_margin_minutes=30)
    assert at(world.site, badge, local(MONDAY, 18, 30)).rule == "booking"


def test_booking_elsewhere_or_cancelled_does_not_open(world, badge):
    evening_booking(world, site=world.other_site)
    evening_booking(world, status=BookingStatus.CANCELLED)
    assert at(world.site, badge, local(MONDAY, 19, 30)).rule == "closed"


def test_staff_of_the_site_always_enter(world):
    issue_badge(world.concierge, "C0FFEE01", actor=None)
    issue_badge(world.coordinator, "C0FFEE02", actor=None)
    for uid in ("C0FFEE01", "C0FFEE02"):
        d = at(world.site, uid, local(SATURDAY, 3))
        assert (d.allowed, d.rule, d.reason) == (True, "staff",
                                                 "Équipe du lieu : accès à toute heure.")
    # The concierge of Autrans is an ordinary member at Villard.
    assert at(world.other_site, "C0FFEE01", local(SATURDAY, 3)).rule == "closed"
    assert at(world.other_site, "C0FFEE02", local(SATURDAY, 3)).rule == "staff"


def test_around_the_clock_holders_enter_at_any_hour_where_the_site_allows(world, badge):
    set_member_access(world.member, around_the_clock=True, access_until=None, actor=None)
    d = at(world.site, badge, local(SATURDAY, 3))
    assert (d.allowed, d.rule, d.reason) == (False, "closed_no_24_7",
                                             "Lieu fermé (aujourd'hui) : il n'ouvre pas 24h/24 "
                                             "aux abonnés.")
    world.site.members_24_7 = True
    world.site.save()
    d = at(world.site, badge, local(SATURDAY, 3))
    assert (d.allowed, d.rule, d.reason) == (True, "around_the_clock",
                                             "Abonnement avec accès 24h/24.")
    assert d.facts["around_the_clock"] is True and d.facts["site_allows_24_7"] is True


def test_nobody_enters_after_access_ended(world, badge):
    world.site.members_24_7 = True
    world.site.save()
    set_member_access(world.member, around_the_clock=True, access_until=dt.date(2026, 11, 22),
                      actor=None)
    d = at(world.site, badge, local(MONDAY, 10))  # open, yet the plan ended yesterday
    assert (d.allowed, d.rule, d.reason) == (False, "access_ended",
                                             "Les droits d'accès ont pris fin le 22/11/2026.")
    set_member_access(world.member, around_the_clock=True, access_until=MONDAY, actor=None)
    assert at(world.site, badge, local(MONDAY, 23, 59)).rule == "around_the_clock"


def unpaid_provider(network, member_ids, *, now, grace_days):
    return {mid: Entitlements(unpaid_overdue=True, source="test") for mid in member_ids}


@override_settings(ACCESS_ENTITLEMENTS_PROVIDER="tests.access.test_rules.unpaid_provider")
def test_nobody_enters_while_unpaid_but_staff(world, badge):
    d = at(world.site, badge, local(MONDAY, 10))
    assert (d.allowed, d.rule, d.reason) == (
        False, "unpaid", "Une facture est impayée au-delà du délai de grâce.")
    assert d.facts["entitlements_source"] == "test"
    issue_badge(world.concierge, "C0FFEE01", actor=None)
    assert at(world.site, "C0FFEE01", local(MONDAY, 10)).rule == "staff"


def test_disabled_expired_and_inactive(world, badge):
    expiring = issue_badge(world.member, "AA000001", actor=None,
                           valid_until=local(MONDAY, 9))
    d = at(world.site, "AA000001", local(MONDAY, 10))
    assert (d.allowed, d.rule, d.reason) == (False, "expired",
                                             "Valable jusqu'au 23/11/2026 09:00 : expiré.")
    revoke_credential(expiring, actor=None)
    assert at(world.site, "AA000001", local(MONDAY, 10)).rule == "credential_disabled"
    world.member.is_active = False
    world.member.save()
    d = at(world.site, badge, local(MONDAY, 10))
    assert (d.allowed, d.rule) == (False, "member_inactive")


def test_personal_pin_at_the_keypad(world):
    set_pin(world.member, "4821", actor=None)
    assert at(world.site, "4821", local(MONDAY, 10), kind="code").rule == "opening_hours"
    assert at(world.site, "4821", local(MONDAY, 10)).rule == "unknown_credential"  # not a badge
    set_pin(world.member, "7300", actor=None)  # replaces the old one
    assert at(world.site, "4821", local(MONDAY, 10), kind="code").rule == "unknown_credential"
    with pytest.raises(AccessError):
        set_pin(world.member, "12", actor=None)


def test_a_badge_belongs_to_one_person_per_network(world, badge):
    other = f.make_member(world.network)
    with pytest.raises(AccessError) as err:
        issue_badge(other, "04A23B1C", actor=None)
    assert err.value.code == "duplicate"
    issue_badge(f.make_member(world.network_b), "04A23B1C", actor=None)  # another network: fine


def test_badge_of_another_network_is_unknown_here(world):
    issue_badge(f.make_member(world.network_b), "BB000001", actor=None)
    assert at(world.site, "BB000001", local(MONDAY, 10)).rule == "unknown_credential"


def test_booking_code_opens_its_site_during_its_span_plus_margin(world):
    booking = evening_booking(world)
    credential, code = issue_booking_code(booking, actor=None)
    assert len(code) == 8 and credential.hint == code[-2:]
    d = at(world.site, code, local(MONDAY, 18, 45), kind="code")
    assert (d.allowed, d.rule, d.reason) == (True, "booking_code",
                                             "Code de réservation valable jusqu'au 23/11/2026 "
                                             "21:15.")
    d = at(world.site, code, local(MONDAY, 18, 44), kind="code")
    assert (d.allowed, d.rule, d.reason) == (False, "not_yet_valid",
                                             "Valable à partir du 23/11/2026 18:45.")
    d = at(world.site, code, local(MONDAY, 21, 15), kind="code")
    assert (d.allowed, d.rule, d.reason) == (False, "expired",
                                             "Valable jusqu'au 23/11/2026 21:15 : expiré.")
    d = at(world.other_site, code, local(MONDAY, 19), kind="code")
    assert (d.allowed, d.rule, d.reason) == (
        False, "other_site", "Ce code est valable pour un autre lieu (Autrans).")
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    d = at(world.site, code, local(MONDAY, 19), kind="code")
    assert (d.allowed, d.rule, d.reason) == (
        False, "booking_not_active", "La réservation de ce code n'est plus valable (annulée).")


def test_check_access_logs_the_decision_with_its_facts_and_records_the_entry(world, badge,
                                                                             door):
    controller, _secret = door
    booking = Booking.objects.create(
        network=world.network, site=world.site, resource=world.desks, member=world.member,
        start=local(MONDAY, 9), end=local(MONDAY, 13), is_exclusive=False, source="web")
    d = check_access(controller, kind="badge", value=badge, now=local(MONDAY, 9, 5),
                     event_id="ev-1")
    assert d.allowed
    row = AccessDecision.objects.get()
    assert (row.allowed, row.rule, row.member_id, row.event_id, row.origin) == (
        True, "opening_hours", world.member.pk, "ev-1", "online")
    assert row.facts["hours_today"] == "09:00–18:00"
    presence = PresenceEvent.objects.get()
    assert (presence.member_id, presence.source, presence.site_id) == (
        world.member.pk, "door", world.site.pk)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN  # the door event checked it in
    # The controller retries the same event: one decision, one presence.
    check_access(controller, kind="badge", value=badge, now=local(MONDAY, 9, 5),
                 event_id="ev-1")
    assert AccessDecision.objects.count() == 1 and PresenceEvent.objects.count() == 1
    # A refusal is logged but is no presence.
    check_access(controller, kind="badge", value="FFFF0000", now=local(MONDAY, 9, 6))
    assert AccessDecision.objects.filter(allowed=False, rule="unknown_credential").count() == 1
    assert PresenceEvent.objects.count() == 1
