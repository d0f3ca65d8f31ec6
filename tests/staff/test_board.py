import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.services import book_resource, cancel_booking
from places.models import OpeningException, ResourceBlock
from tests import factories as f
from tests.conftest import local

TUESDAY = dt.date(2026, 11, 24)


def board(client, **params):
    return client.get(reverse("staff_board", args=["vercors"]), params)


def test_member_booking_appears_on_the_concierge_board(client, world, now):
    book_resource(world.member, world.desks, start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                  actor=world.member.user, now=now)
    client.force_login(world.concierge.user)
    response = board(client, lieu="autrans", date="2026-11-24")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableau du jour – Autrans" in html
    assert "mardi 24 novembre 2026" in html
    assert "Ouvert 09:00–18:00" in html
    assert "Camille Martin" in html
    assert "09:00–13:00" in html
    assert "confirmée" in html and "site web" in html
    rows = {row.resource.name: row for row in response.context["board"].rows}
    assert rows["Open space Autrans"].free == {"morning": 7, "afternoon": 8}
    assert rows["Bureau fermé"].free == {"morning": 1, "afternoon": 1}
    assert [b.member for b in rows["Open space Autrans"].bookings] == [world.member]
    # Villard's resources are not on Autrans' board.
    assert "Open space Villard" not in html


def test_board_defaults_to_today_in_paris_and_first_site(client, world):
    client.force_login(world.concierge.user)
    response = board(client)
    assert response.status_code == 200
    assert response.context["site"] == world.site
    assert response.context["day"] == dt.date(2026, 11, 23)
    html = response.content.decode()
    assert 'href="?lieu=autrans&amp;date=2026-11-22"' in html
    assert 'href="?lieu=autrans&amp;date=2026-11-24"' in html


def test_invalid_date_falls_back_to_today(client, world):
    client.force_login(world.concierge.user)
    response = board(client, lieu="autrans", date="24/11/2026")
    assert response.context["day"] == dt.date(2026, 11, 23)


def test_board_shows_closure_reason(client, world):
    OpeningException.objects.create(network=world.network, site=world.site, start_date=TUESDAY,
                                    end_date=TUESDAY, reason="inventaire")
    client.force_login(world.concierge.user)
    html = board(client, lieu="autrans", date="2026-11-24").content.decode()
    assert "Fermé : inventaire" in html


def test_board_shows_blocks_and_no_free_seat_when_blocked(client, world):
    ResourceBlock.objects.create(network=world.network, resource=world.office,
                                 start=local(TUESDAY, 13), end=local(TUESDAY, 18),
                                 reason="peinture")
    client.force_login(world.concierge.user)
    response = board(client, lieu="autrans", date="2026-11-24")
    rows = {row.resource.name: row for row in response.context["board"].rows}
    assert rows["Bureau fermé"].free == {"morning": 1, "afternoon": 0}
    assert "peinture" in response.content.decode()


def test_board_shows_guest_cancelled_and_pending_bookings(client, world, now):
    world.room.requires_approval = True
    world.room.save()
    book_resource(world.member, world.room, start=local(TUESDAY, 10), end=local(TUESDAY, 12),
                  actor=world.member.user, now=now)
    guest = book_resource(None, world.desks, start=local(TUESDAY, 13), end=local(TUESDAY, 18),
                          actor=world.concierge.user, now=now, by_staff=True, source="staff",
                          guest_name="Alex Passant", guest_email="alex@example.org")
    cancel_booking(guest, actor=world.concierge.user, now=now, by_staff=True)
    client.force_login(world.concierge.user)
    response = board(client, lieu="autrans", date="2026-11-24")
    html = response.content.decode()
    assert "Alex Passant" in html and "alex@example.org" in html and "annulée" in html
    assert "en attente de validation" in html and "accueil" in html
    assert [b.status for b in response.context["pending"]] == [BookingStatus.PENDING]
    rows = {row.resource.name: row for row in response.context["board"].rows}
    # A cancelled booking frees its seat.
    assert rows["Open space Autrans"].free == {"morning": 8, "afternoon": 8}


def test_coordinator_may_choose_any_site(client, world):
    client.force_login(world.coordinator.user)
    response = board(client, lieu="villard", date="2026-11-24")
    assert response.status_code == 200
    assert response.context["site"] == world.other_site
    assert "Open space Villard" in response.content.decode()


def _fill(world, now, indices):
    """Bookings on Tuesday at Autrans, each by a different member; the last five of 30 are
    walk-ins whose booking was cancelled."""
    spans = [(world.desks, local(TUESDAY, 9), local(TUESDAY, 13))] * 7 + \
        [(world.desks, local(TUESDAY, 13), local(TUESDAY, 18))] * 7 + \
        [(world.office, local(TUESDAY, 9), local(TUESDAY, 13)),
         (world.office, local(TUESDAY, 13), local(TUESDAY, 18))] + \
        [(world.room, local(TUESDAY, h), local(TUESDAY, h + 1)) for h in range(9, 18)] + \
        [(world.desks, local(TUESDAY, 9), local(TUESDAY, 18))] * 5
    for i in indices:
        resource, start, end = spans[i]
        if i < 25:
            member = f.make_member(world.network, f.make_user(f"m{i}@example.org"))
            book_resource(member, resource, start=start, end=end, actor=member.user, now=now,
                          notify=False)
        else:
            booking = book_resource(None, resource, start=start, end=end, actor=None, now=now,
                                    by_staff=True, guest_email=f"g{i}@example.org",
                                    notify=False)
            cancel_booking(booking, actor=None, now=now, by_staff=True, notify=False)


@pytest.mark.parametrize("count", [2, 30])
def test_board_runs_a_bounded_number_of_queries(client, world, now, count,
                                                django_assert_max_num_queries):
    _fill(world, now, range(count))
    client.force_login(world.concierge.user)
    with django_assert_max_num_queries(12):
        response = board(client, lieu="autrans", date="2026-11-24")
    assert response.context["board"].total_bookings == count


def test_board_query_count_does_not_grow_with_bookings(client, world, now):
    client.force_login(world.concierge.user)
    _fill(world, now, range(2))
    with CaptureQueriesContext(connection) as few:
        assert board(client, lieu="autrans", date="2026-11-24").status_code == 200
    _fill(world, now, range(2, 30))
    with CaptureQueriesContext(connection) as many:
        response = board(client, lieu="autrans", date="2026-11-24")
    assert response.context["board"].total_bookings == 30
    assert len(many) == len(few)


# --- Denials -----------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, world):
    response = board(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona, status", [
    ("outsider", 404), ("concierge_b", 404), ("member", 403)])
def test_board_denied(client, world, persona, status):
    user = world.outsider if persona == "outsider" else getattr(world, persona).user
    client.force_login(user)
    assert board(client).status_code == status


def test_concierge_of_autrans_cannot_see_villard_board(client, world):
    client.force_login(world.concierge.user)
    assert board(client, lieu="villard").status_code == 404


def test_concierge_b_cannot_see_network_a_site_through_own_network(client, world):
    client.force_login(world.concierge_b.user)
    response = client.get(reverse("staff_board", args=["gers"]), {"lieu": "autrans"})
    assert response.status_code == 404
