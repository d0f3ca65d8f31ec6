"""The controllers' signed API: decisions, allow-list and offline upload; every way a request
can be refused, with nothing recorded when it is."""

import datetime as dt
import hashlib
import hmac

from access.crypto import credential_hash
from access.models import AccessDecision, AllowListIssue, ControllerNonce, PresenceEvent
from access.services import issue_badge, register_controller, set_member_access
from access.tasks import purge_nonces
from tests import factories as f

DECISIONS = "/api/access/v1/decisions"
ALLOW_LIST = "/api/access/v1/allow-list"
EVENTS = "/api/access/v1/events"


def error_code(response):
    return response.json()["error"]["code"]


def test_badge_allowed_with_reason_and_signed_answer(world, signed):
    issue_badge(world.member, "04A23B1C", actor=None)
    response = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C", "event_id": "e1"})
    assert response.status_code == 200
    # 08:00 on Monday: Autrans opens at 9:00.
    assert response.json() == {
        "allowed": False, "rule": "closed", "event_id": "e1",
        "reason": "Lieu fermé (horaires du jour : 09:00–18:00) et aucune réservation en cours."}
    assert signed.response_is_signed(response)
    set_member_access(world.member, around_the_clock=True, access_until=None, actor=None)
    world.site.members_24_7 = True
    world.site.save()
    response = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C", "event_id": "e2"})
    assert response.json()["allowed"] is True and response.json()["rule"] == "around_the_clock"
    assert AccessDecision.objects.count() == 2
    assert PresenceEvent.objects.filter(member=world.member, source="door").count() == 1


def test_badge_of_another_network_is_refused(world, signed):
    issue_badge(f.make_member(world.network_b), "BB000001", actor=None)
    response = signed.post(DECISIONS, {"type": "badge", "value": "BB000001"})
    assert response.json()["allowed"] is False
    assert response.json()["rule"] == "unknown_credential"


def test_controller_of_network_b_cannot_see_network_a_badges(world, client, frozen):
    from tests.access.conftest import SignedClient

    issue_badge(world.member, "04A23B1C", actor=None)
    controller_b, secret_b = register_controller(world.site_b, "Porte Auch", actor=None)
    other = SignedClient(client, controller_b.key_id, secret_b, lambda: frozen)
    response = other.post(DECISIONS, {"type": "badge", "value": "04A23B1C"})
    assert response.json()["rule"] == "unknown_credential"
    body = other.get(ALLOW_LIST).json()
    assert body["entries"] == []


def _refused(response, code):
    assert response.status_code == 401, response.content
    assert error_code(response) == code


def test_bad_signature_is_refused_and_nothing_recorded(world, signed):
    issue_badge(world.member, "04A23B1C", actor=None)
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"}, secret="0" * 64),
             "bad_signature")
    assert AccessDecision.objects.count() == 0 and ControllerNonce.objects.count() == 0


def test_tampered_body_is_refused(world, signed, client):
    body = b'{"type": "badge", "value": "04A23B1C"}'
    headers = signed.headers("POST", DECISIONS, body)
    response = client.generic("POST", DECISIONS, body.replace(b"04A2", b"04A3"),
                              content_type="application/json", headers=headers)
    _refused(response, "bad_signature")


def test_replayed_request_is_refused(world, signed):
    first = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"}, nonce="n" * 20)
    assert first.status_code == 200
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"}, nonce="n" * 20),
             "replay")
    assert AccessDecision.objects.count() == 1


def test_stale_or_future_timestamp_is_refused(world, signed, frozen):
    now = int(frozen.timestamp())
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "x"}, timestamp=now - 61),
             "stale")
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "x"}, timestamp=now + 61),
             "stale")
    assert signed.post(DECISIONS, {"type": "badge", "value": "x"},
                       timestamp=now - 60).status_code == 200


def test_unknown_or_disabled_controller_is_refused(world, signed, door):
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "x"}, key_id="dc_nobody"),
             "unknown_controller")
    controller, _secret = door
    controller.is_active = False
    controller.save()
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "x"}), "unknown_controller")


def test_unsigned_request_is_refused(world, client, frozen, door):
    response = client.post(DECISIONS, {"type": "badge", "value": "x"},
                           content_type="application/json")
    _refused(response, "unsigned")


def test_invalid_payload_is_a_400(world, signed):
    response = signed.post(DECISIONS, {"type": "retina", "value": "x"})
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_nonces_are_purged_after_twice_the_skew(world, signed, frozen):
    signed.post(DECISIONS, {"type": "badge", "value": "x"})
    assert purge_nonces(frozen + dt.timedelta(seconds=119)) == 0
    assert purge_nonces(frozen + dt.timedelta(seconds=121)) == 1


def test_allow_list_is_signed_versioned_and_lists_what_the_door_needs(world, signed, frozen):
    issue_badge(world.member, "04A23B1C", actor=None)
    issue_badge(world.concierge, "C0FFEE01", actor=None)
    ended = f.make_member(world.network)
    issue_badge(ended, "DEAD0001", actor=None)
    set_member_access(ended, around_the_clock=False, access_until=dt.date(2026, 11, 1),
                      actor=None)
    response = signed.get(ALLOW_LIST)
    assert response.status_code == 200 and signed.response_is_signed(response)
    body = response.json()
    assert body["version"] == 1
    assert body["valid_until"] == int(frozen.timestamp()) + 48 * 3600
    key = body["hash_key"]
    by_hash = {e["h"]: e for e in body["entries"]}
    member_entry = by_hash[hmac.new(bytes.fromhex(key), b"badge:04A23B1C",
                                    hashlib.sha256).hexdigest()]
    assert member_entry == {"h": credential_hash(world.network.pk, "badge", "04A23B1C"),
                            "k": "badge", "m": world.member.pk, "rule": "member",
                            "open_hours": True, "windows": []}
    staff_entry = by_hash[credential_hash(world.network.pk, "badge", "C0FFEE01")]
    assert staff_entry["always"] is True and staff_entry["rule"] == "staff"
    assert credential_hash(world.network.pk, "badge", "DEAD0001") not in by_hash  # ended
    # Monday 9-18, Tuesday 9-18 and Wednesday 9-18 (48 h ahead reaches Wednesday 08:00).
    assert len(body["open"]) == 3
    # Same content: same version; a new badge: next version.
    assert signed.get(ALLOW_LIST).json()["version"] == 1
    issue_badge(f.make_member(world.network), "0A0A0A0A", actor=None)
    assert signed.get(ALLOW_LIST).json()["version"] == 2
    assert AllowListIssue.objects.count() == 2


def _event(event_id, at, *, h, allowed=True, rule="member"):
    return {"event_id": event_id, "at": at.isoformat(), "credential_hash": h,
            "allowed": allowed, "rule": rule}


def test_offline_upload_is_idempotent_and_loses_nothing(world, signed, frozen):
    issue_badge(world.member, "04A23B1C", actor=None)
    h = credential_hash(world.network.pk, "badge", "04A23B1C")
    events = [_event("off-1", frozen - dt.timedelta(hours=3), h=h),
              _event("off-2", frozen - dt.timedelta(hours=2), h="0" * 64, allowed=False,
                     rule="unknown_credential"),
              _event("off-3", frozen - dt.timedelta(hours=1), h=h)]
    response = signed.post(EVENTS, {"events": events[:2]})
    assert response.json() == {"recorded": 2, "duplicates": 0, "rejected": []}
    # The answer was lost: the controller sends everything again plus the newer entry.
    response = signed.post(EVENTS, {"events": events + [{"event_id": "bad", "at": "hier"}]})
    assert response.json() == {"recorded": 1, "duplicates": 2, "rejected": ["bad"]}
    assert sorted(AccessDecision.objects.values_list("event_id", "origin", "allowed")) == [
        ("off-1", "offline", True), ("off-2", "offline", False), ("off-3", "offline", True)]
    assert PresenceEvent.objects.filter(member=world.member).count() == 2


def test_upload_of_an_event_already_decided_online_is_a_duplicate(world, signed, frozen):
    issue_badge(world.member, "04A23B1C", actor=None)
    signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C", "event_id": "ev-9"})
    h = credential_hash(world.network.pk, "badge", "04A23B1C")
    response = signed.post(EVENTS, {"events": [_event("ev-9", frozen, h=h)]})
    assert response.json()["duplicates"] == 1
    assert AccessDecision.objects.count() == 1


def _statements(queries):
    """SQL statements sent, leaving out the savepoints the test's own transaction adds."""
    return [q["sql"] for q in queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_decision_query_count(world, signed, door, settings):
    """A door waits for the answer: a fixed, small number of indexed queries per decision,
    whatever the size of the network (see docs/benchmarks.md, "Door access")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The entitlements provider counts its own queries (one here); billing's adds its own.
    settings.ACCESS_ENTITLEMENTS_PROVIDER = "access.entitlements.staff_granted"
    issue_badge(world.member, "04A23B1C", actor=None)
    controller, _secret = door
    controller.last_seen_at = signed.clock()  # seen a moment ago: no last_seen update
    controller.save()
    with CaptureQueriesContext(connection) as cold:
        response = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"})
    assert response.json()["rule"] == "closed"  # Monday 08:00: refused, hence every check
    # controller (with site, network, policy), nonce (checking the controller row),
    # credential (with, in the same statement, its member, whether they are staff of the site
    # and the rights staff set — the entitlements provider then needs no query), today's
    # hours, booking, decision.
    assert len(_statements(cold.captured_queries)) == 6
    # The controller and today's hours are then remembered by the process (access.hotcache).
    with CaptureQueriesContext(connection) as refused:
        response = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"})
    assert response.json()["rule"] == "closed"
    assert len(_statements(refused.captured_queries)) == 4
    with CaptureQueriesContext(connection) as unknown:
        response = signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"})
    assert response.json()["rule"] == "unknown_credential"
    assert len(_statements(unknown.captured_queries)) == 3  # nonce, credential, decision


def test_staff_of_the_door_site_found_with_the_credential(world, signed):
    """Coordinators and the site's concierges enter at any hour; a concierge of another
    site of the network is an ordinary member there (one statement finds both facts)."""
    from members.models import Role

    for member, uid in ((world.coordinator, "C0000001"), (world.concierge, "C0000002")):
        issue_badge(member, uid, actor=None)
        answer = signed.post(DECISIONS, {"type": "badge", "value": uid}).json()
        assert (answer["allowed"], answer["rule"]) == (True, "staff"), member
    Role.objects.filter(member=world.concierge).update(site=world.other_site)
    answer = signed.post(DECISIONS, {"type": "badge", "value": "C0000002"}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "closed")
    decision = AccessDecision.objects.filter(credential__hint="0002").order_by("-pk").first()
    assert decision.member == world.concierge and "staff" not in decision.facts


def test_cached_controller_disabled_or_rekeyed_is_refused_at_once(world, signed, door):
    """The per-process cache never lets a disabled controller or an old key through: the
    nonce insert checks the row, even when the change bypassed the model's signals."""
    from access.models import DoorController
    from access.services import rotate_controller_key

    controller, _secret = door
    assert signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"}).status_code == 200
    DoorController.objects.filter(pk=controller.pk).update(is_active=False)  # no signal
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"}),
             "unknown_controller")
    DoorController.objects.filter(pk=controller.pk).update(is_active=True)
    assert signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"}).status_code == 200
    new_secret = rotate_controller_key(DoorController.objects.get(pk=controller.pk),
                                       actor=None)
    _refused(signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"}), "bad_signature")
    assert signed.post(DECISIONS, {"type": "badge", "value": "FFFF0000"},
                       secret=new_secret).status_code == 200
    assert AccessDecision.objects.count() == 3


def test_opening_hours_change_reaches_the_door_at_once(world, signed, frozen, monkeypatch):
    """Today's hours are remembered per process; changing them empties that memory."""
    from django.utils import timezone

    from places.models import OpeningException

    issue_badge(world.member, "04A23B1C", actor=None)
    later = frozen + dt.timedelta(hours=2)  # Monday 10:00, open
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"}).json()["allowed"]
    today = later.astimezone(world.network.tz).date()
    OpeningException.objects.create(network=world.network, site=world.site, start_date=today,
                                    end_date=today, closed=True, reason="Travaux")
    answer = signed.post(DECISIONS, {"type": "badge", "value": "04A23B1C"}).json()
    assert (answer["allowed"], answer["rule"]) == (False, "closed")


def test_invalid_payload_keeps_the_nonce(world, signed):
    """The whole request is one transaction, yet a refused payload still spends its nonce."""
    response = signed.post(DECISIONS, {"type": "retina", "value": "x"}, nonce="r" * 20)
    assert response.status_code == 400
    assert list(ControllerNonce.objects.values_list("nonce", flat=True)) == ["r" * 20]
    assert AccessDecision.objects.count() == 0
