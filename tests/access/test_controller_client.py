"""The reference controller (tools/door_controller.py) against the real server process on
127.0.0.1 (pytest-django's live server): online, offline, expiry, resync without duplicates.

The live server reads the real clock, so the member holds 24/7 rights at a 24/7 site (the
hour the suite runs does not matter) and the unknown badge is refused at any hour.
"""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from access.models import AccessDecision, PresenceEvent
from access.services import issue_badge, register_controller, set_member_access
from tools.door_controller import DoorController

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "door_controller.py"


def closed_port() -> str:
    """A local address nobody listens on: the village's internet is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def setup(world, transactional_db, live_server, tmp_path):
    world.site.members_24_7 = True
    world.site.save()
    set_member_access(world.member, around_the_clock=True, access_until=None, actor=None)
    issue_badge(world.member, "04A23B1C", actor=None)
    controller, secret = register_controller(world.site, "Porte", actor=None)
    return controller, secret, live_server.url, tmp_path


def make(setup, server=None, **kw):
    controller, secret, url, state = setup
    return DoorController(server or url, controller.key_id, secret, state, timeout=2, **kw)


def test_online_decisions_come_from_the_server(setup, world):
    door = make(setup)
    allowed = door.decide("04:a2:3b:1c")
    assert (allowed["allowed"], allowed["rule"], allowed["online"]) == (
        True, "around_the_clock", True)
    refused = door.decide("FFFFFFFF")
    assert (refused["allowed"], refused["rule"]) == (False, "unknown_credential")
    assert AccessDecision.objects.filter(origin="online").count() == 2
    assert PresenceEvent.objects.filter(member=world.member, source="door").count() == 1


def test_offline_then_resync_without_duplicates(setup, world):
    online = make(setup)
    assert online.sync() and online.allow_list["version"] == 1
    offline = make(setup, server=closed_port())  # same state directory, server unreachable
    first = offline.decide("04A23B1C")
    assert (first["allowed"], first["rule"], first["online"]) == (True, "around_the_clock",
                                                                   False)
    second = offline.decide("FFFFFFFF")
    assert (second["allowed"], second["rule"]) == (False, "unknown_credential")
    assert offline.decide("*99999999")["allowed"] is False
    assert len(offline._queue()) == 3 and not offline.sync()
    assert AccessDecision.objects.count() == 0

    back = make(setup)  # the link is back
    assert back.upload_queue() == {"recorded": 3, "duplicates": 0, "rejected": 0}
    assert back._queue() == []
    rows = sorted(AccessDecision.objects.values_list("origin", "allowed", "rule"))
    assert rows == [("offline", False, "unknown_credential"),
                    ("offline", False, "unknown_credential"),
                    ("offline", True, "around_the_clock")]
    assert AccessDecision.objects.get(allowed=True).member_id == world.member.pk
    assert PresenceEvent.objects.filter(member=world.member).count() == 1


def test_lost_acknowledgement_does_not_duplicate(setup, world):
    make(setup).sync()
    offline = make(setup, server=closed_port())
    offline.decide("04A23B1C")
    saved = offline._queue()
    back = make(setup)
    back.upload_queue()
    back._write_queue(saved)  # as if the answer had been lost: the entry is still queued
    assert back.upload_queue() == {"recorded": 0, "duplicates": 1, "rejected": 0}
    assert AccessDecision.objects.count() == 1 and PresenceEvent.objects.count() == 1


def test_offline_without_list_or_with_an_expired_or_tampered_list_fails_closed(setup):
    offline = make(setup, server=closed_port())
    assert offline.decide("04A23B1C")["rule"] == "no_allow_list"
    make(setup).sync()
    later = make(setup, server=closed_port(), clock=lambda: time.time() + 49 * 3600)
    assert later.decide("04A23B1C")["rule"] == "list_expired"
    controller, secret, url, state = setup
    saved = json.loads((state / "allow-list.json").read_text())
    saved["raw"] = saved["raw"].replace('"entries":[', '"entries":[{"h":"x","k":"badge"},')
    (state / "allow-list.json").write_text(json.dumps(saved))
    assert make(setup, server=closed_port()).decide("04A23B1C")["rule"] == "no_allow_list"


def test_script_reads_badges_on_stdin_and_resyncs(setup, world):
    controller, secret, url, state = setup
    (state / "key").write_text(secret)

    def run(server, lines):
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--server", server, "--key-id", controller.key_id,
             "--secret-file", str(state / "key"), "--state-dir", str(state), "--timeout", "2"],
            input="".join(line + "\n" for line in lines), capture_output=True, text=True,
            timeout=60, check=True)

    out = run(url, ["04A23B1C", "FFFFFFFF"]).stdout.splitlines()
    assert out == ["OUVERT around_the_clock Abonnement avec accès 24h/24.",
                   "REFUSE unknown_credential Badge ou code inconnu dans ce réseau."]
    out = run(closed_port(), ["04A23B1C"]).stdout.splitlines()
    assert out == ["OUVERT around_the_clock Accès à toute heure (hors ligne)."]
    assert AccessDecision.objects.filter(origin="offline").count() == 0
    run(url, [])  # starts by syncing: the offline entry goes up
    assert AccessDecision.objects.filter(origin="offline").count() == 1
    run(url, [])
    assert AccessDecision.objects.count() == 3
