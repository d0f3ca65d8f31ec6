"""Every booking rule, allowed and refused, with the exact French message shown to people.

World: site Autrans of network A opens Monday to Friday 09:00-18:00; "Open space Autrans"
(8 seats) and "Bureau fermé" are booked by half-day, "Salle de réunion" by the hour.
Now is Monday 23 November 2026, 08:00 in Paris.
"""

import datetime as dt

import pytest

from bookings.models import Booking, BookingStatus
from bookings.services import book_recurring, decide_booking
from places.models import OpeningException, OpeningHours, ResourceBlock
from tests import factories as f
from tests.bookings.integrity import assert_refused, book, staff_book, utc
from tests.conftest import PARIS, local

MONDAY = dt.date(2026, 11, 23)
TUESDAY = dt.date(2026, 11, 24)
SATURDAY = dt.date(2026, 11, 28)

HALF_DAY_MESSAGE = ("Open space Autrans se réserve à la demi-journée (matin jusqu'à {split}, "
                    "après-midi à partir de {split}) ou à la journée.")


# --- Half-day unit ----------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "utc_start", "utc_end"), [
    (9, 13, utc(2026, 11, 24, 8), utc(2026, 11, 24, 12)),   # morning
    (13, 18, utc(2026, 11, 24, 12), utc(2026, 11, 24, 17)),  # afternoon
    (9, 18, utc(2026, 11, 24, 8), utc(2026, 11, 24, 17)),   # day
])
def test_half_day_unit_accepts_morning_afternoon_and_day(world, start, end, utc_start, utc_end):
    booking = book(world, world.desks, local(TUESDAY, start), local(TUESDAY, end))

    booking.refresh_from_db()
    assert (booking.start, booking.end) == (utc_start, utc_end)
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.seats, booking.is_exclusive) == (1, False)


@pytest.mark.parametrize(("start", "end"), [(10, 13), (9, 12), (13, 17), (10, 18)])
def test_half_day_unit_refuses_other_spans_within_opening(world, start, end):
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, start), local(TUESDAY, end)),
                   "unit", HALF_DAY_MESSAGE.format(split="13:00"))


def test_half_day_unit_outside_opening_hours_says_when_it_opens(world):
    assert_refused(lambda: book(world, world.office, local(TUESDAY, 8), local(TUESDAY, 13)),
                   "outside_hours",
                   "En dehors des horaires d'ouverture de Autrans le mardi 24 novembre 2026 : "
                   "ouvert 09:00–18:00.")


def test_half_day_split_is_per_site(world):
    world.site.half_day_split = dt.time(13, 30)
    world.site.save()

    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "unit", HALF_DAY_MESSAGE.format(split="13:30"))
    morning = book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13, 30))
    afternoon = book(world, world.desks, local(TUESDAY, 13, 30), local(TUESDAY, 18))

    assert (morning.start, morning.end) == (utc(2026, 11, 24, 8), utc(2026, 11, 24, 12, 30))
    assert (afternoon.start, afternoon.end) == (utc(2026, 11, 24, 12, 30), utc(2026, 11, 24, 17))
    # The other site keeps the default split.
    villard_desks = world.other_site.resources.get()
    book(world, villard_desks, local(TUESDAY, 9), local(TUESDAY, 13))
    assert Booking.objects.count() == 3


def test_day_unit_accepts_only_the_whole_day(world):
    world.office.booking_unit = "day"
    world.office.save()

    assert_refused(lambda: book(world, world.office, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "unit", "Bureau fermé se réserve à la journée (09:00–18:00).")
    booking = book(world, world.office, local(TUESDAY, 9), local(TUESDAY, 18))
    assert (booking.start, booking.end) == (utc(2026, 11, 24, 8), utc(2026, 11, 24, 17))


# --- Hour unit --------------------------------------------------------------------------------

def test_hour_unit_accepts_whole_and_half_hours(world):
    booking = book(world, world.room, local(TUESDAY, 10, 30), local(TUESDAY, 12))
    assert (booking.start, booking.end) == (utc(2026, 11, 24, 9, 30), utc(2026, 11, 24, 11))


@pytest.mark.parametrize(("start", "end"), [((10, 15), (11, 0)), ((10, 0), (10, 45)),
                                            ((10, 0), (11, 10))])
def test_hour_unit_refuses_times_off_the_half_hour(world, start, end):
    assert_refused(lambda: book(world, world.room, local(TUESDAY, *start), local(TUESDAY, *end)),
                   "unit", "Salle de réunion se réserve par heure ou demi-heure (début et fin à "
                           ":00 ou :30).")


@pytest.fixture
def lunch_break_room(world):
    """A site closing for lunch on Tuesdays: 09:00-12:00 and 14:00-18:00."""
    site = f.make_site(world.network, "lans", "Lans-en-Vercors", weekdays=())
    for opens, closes in ((dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))):
        OpeningHours.objects.create(network=world.network, site=site, weekday=1, opens=opens,
                                    closes=closes)
    return f.make_resource(site, "meeting_room", name="Salle Lans")


def test_hour_unit_fits_in_one_opening_interval(world, lunch_break_room):
    before_lunch = book(world, lunch_break_room, local(TUESDAY, 11), local(TUESDAY, 12))
    after_lunch = book(world, lunch_break_room, local(TUESDAY, 14), local(TUESDAY, 15))
    assert (before_lunch.start, before_lunch.end) == (utc(2026, 11, 24, 10), utc(2026, 11, 24, 11))
    assert (after_lunch.start, after_lunch.end) == (utc(2026, 11, 24, 13), utc(2026, 11, 24, 14))

    message = ("En dehors des horaires d'ouverture de Lans-en-Vercors le mardi 24 novembre "
               "2026 : ouvert 09:00–12:00, 14:00–18:00.")
    for start, end in (((11, 30), (14, 30)), ((12, 0), (13, 0)), ((13, 30), (14, 30))):
        assert_refused(lambda s=start, e=end: book(world, lunch_break_room, local(TUESDAY, *s),
                                                   local(TUESDAY, *e)),
                       "outside_hours", message)


# --- Opening days and exceptions --------------------------------------------------------------

def test_closed_weekday_is_refused(world):
    assert_refused(lambda: book(world, world.desks, local(SATURDAY, 9), local(SATURDAY, 13)),
                   "closed", "Autrans est fermé le samedi 28 novembre 2026.")


def test_closure_exception_gives_its_reason_on_every_day_it_covers(world):
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=dt.date(2026, 12, 24),
                                    end_date=dt.date(2027, 1, 1), reason="congés de fin d'année")
    day = dt.date(2026, 12, 29)

    assert_refused(lambda: book(world, world.desks, local(day, 9), local(day, 13)),
                   "closed", "Autrans est fermé le mardi 29 décembre 2026 (congés de fin "
                             "d'année).")
    # Staff cannot book a closed site either, and the day before the closure is open.
    assert_refused(lambda: staff_book(world, world.room, local(day, 10), local(day, 11)),
                   "closed")
    booking = book(world, world.desks, local(dt.date(2026, 12, 23), 9),
                   local(dt.date(2026, 12, 23), 13))
    assert booking.status == BookingStatus.CONFIRMED


def test_closure_exception_without_reason(world):
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=TUESDAY, end_date=TUESDAY)
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "closed", "Autrans est fermé le mardi 24 novembre 2026 (fermeture "
                             "exceptionnelle).")


def test_special_hours_exception_replaces_the_weekly_hours(world):
    OpeningException.objects.create(network=world.network, site=world.site, closed=False,
                                    start_date=TUESDAY, end_date=TUESDAY, opens=dt.time(10),
                                    closes=dt.time(16), reason="portes ouvertes")

    assert_refused(lambda: book(world, world.room, local(TUESDAY, 9), local(TUESDAY, 10)),
                   "outside_hours", "En dehors des horaires d'ouverture de Autrans le mardi "
                                    "24 novembre 2026 : ouvert 10:00–16:00.")
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "outside_hours")
    morning = book(world, world.desks, local(TUESDAY, 10), local(TUESDAY, 13))
    day = book(world, world.desks, local(TUESDAY, 10), local(TUESDAY, 16))
    room = book(world, world.room, local(TUESDAY, 15), local(TUESDAY, 16))
    assert [(b.start, b.end) for b in (morning, day, room)] == [
        (utc(2026, 11, 24, 9), utc(2026, 11, 24, 12)),
        (utc(2026, 11, 24, 9), utc(2026, 11, 24, 15)),
        (utc(2026, 11, 24, 14), utc(2026, 11, 24, 15)),
    ]


def test_span_must_end_after_start_within_one_day(world):
    assert_refused(lambda: book(world, world.room, local(TUESDAY, 11), local(TUESDAY, 10)),
                   "invalid_span", "La fin doit être après le début.")
    assert_refused(lambda: book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 10)),
                   "invalid_span")
    assert_refused(
        lambda: book(world, world.desks, local(TUESDAY, 9), local(dt.date(2026, 11, 25), 18)),
        "multi_day", "Une réservation tient dans une seule journée ; pour plusieurs jours, "
                     "réservez une période (un créneau par jour).")


# --- Duration, notice, advance ----------------------------------------------------------------

def test_min_and_max_duration(world):
    world.room.min_duration_minutes = 60
    world.room.max_duration_minutes = 90
    world.room.save()

    assert_refused(lambda: book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 10, 30)),
                   "too_short", "Trop court : Salle de réunion se réserve au moins 1 h.")
    assert_refused(lambda: book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 12)),
                   "too_long", "Trop long : Salle de réunion se réserve au plus 1 h 30 "
                               "d'affilée.")
    # Staff are bound by durations too.
    assert_refused(lambda: staff_book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 12)),
                   "too_long")
    shortest = book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 11))
    longest = book(world, world.room, local(TUESDAY, 14), local(TUESDAY, 15, 30))
    assert [b.end - b.start for b in (shortest, longest)] == [dt.timedelta(hours=1),
                                                              dt.timedelta(minutes=90)]


def test_minimum_notice(world):
    world.room.min_notice_minutes = 120
    world.room.save()

    # Now is 08:00: 09:00 is one hour away, 10:00 exactly two.
    assert_refused(lambda: book(world, world.room, local(MONDAY, 9), local(MONDAY, 10)),
                   "too_soon", "Trop tard pour réserver ce créneau : Salle de réunion se "
                               "réserve au moins 2 h à l'avance.")
    booking = book(world, world.room, local(MONDAY, 10), local(MONDAY, 11))
    assert booking.start == utc(2026, 11, 23, 9)
    # The concierge may book on the spot.
    walk_in = staff_book(world, world.room, local(MONDAY, 9), local(MONDAY, 10))
    assert walk_in.status == BookingStatus.CONFIRMED


def test_minimum_notice_in_days(world):
    world.desks.min_notice_minutes = 24 * 60
    world.desks.save()
    assert_refused(lambda: book(world, world.desks, local(MONDAY, 13), local(MONDAY, 18)),
                   "too_soon", "Trop tard pour réserver ce créneau : Open space Autrans se "
                               "réserve au moins 1 jour à l'avance.")
    booking = book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13))
    assert booking.status == BookingStatus.CONFIRMED


def test_past_slot_is_refused_even_to_staff(world):
    friday = dt.date(2026, 11, 20)
    assert_refused(lambda: book(world, world.room, local(friday, 9), local(friday, 10)),
                   "past", "Ce créneau est déjà passé.")
    # Staff may record yesterday's walk-in, not last week's.
    assert_refused(lambda: staff_book(world, world.room, local(friday, 9), local(friday, 10)),
                   "past", "Ce créneau est déjà passé.")


def test_maximum_advance(world):
    world.room.max_advance_days = 30
    world.room.save()

    # Now + 30 days = Wednesday 23 December 08:00.
    late = dt.date(2026, 12, 23)
    assert_refused(lambda: book(world, world.room, local(late, 9), local(late, 10)),
                   "too_far", "Trop loin dans le temps : Salle de réunion se réserve au plus 30 "
                              "jours à l'avance.")
    eve = dt.date(2026, 12, 22)
    booking = book(world, world.room, local(eve, 17), local(eve, 18))
    assert booking.start == utc(2026, 12, 22, 16)
    # Staff may book further ahead.
    staff = staff_book(world, world.room, local(late, 9), local(late, 10))
    assert staff.start == utc(2026, 12, 23, 8)


# --- Who may book -----------------------------------------------------------------------------

def test_members_only_refuses_guests_but_staff_may_book_them(world):
    world.desks.members_only = True
    world.desks.save()

    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                member=None, guest_email="Visiteur@Example.org"),
                   "members_only", "Open space Autrans est réservé aux membres du réseau.")
    guest = staff_book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                       guest_name="Visiteur", guest_email="Visiteur@Example.org")
    assert (guest.member, guest.guest_email) == (None, "visiteur@example.org")
    member = book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13))
    assert member.member == world.member


def test_guest_may_book_an_open_resource_but_needs_an_email(world):
    guest = book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13), member=None,
                 guest_email="visiteur@example.org")
    assert guest.status == BookingStatus.CONFIRMED
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                member=None, guest_email=""),
                   "no_holder", "Indiquez un membre ou l'e-mail de la personne.")


def test_requires_approval_gives_pending_unless_staff_book(world):
    world.room.requires_approval = True
    world.room.save()

    pending = book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 11))
    assert pending.status == BookingStatus.PENDING
    # A pending request holds the room: nobody else gets it meanwhile.
    other = f.make_member(world.network)
    assert_refused(lambda: book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 11),
                                member=other),
                   "taken")
    by_staff = staff_book(world, world.room, local(TUESDAY, 14), local(TUESDAY, 15))
    assert by_staff.status == BookingStatus.CONFIRMED

    decide_booking(pending, approve=True, actor=world.concierge.user)
    assert pending.status == BookingStatus.CONFIRMED


def test_refused_request_frees_the_slot(world):
    world.room.requires_approval = True
    world.room.save()
    pending = book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 11))

    decide_booking(pending, approve=False, actor=world.concierge.user)

    assert pending.status == BookingStatus.CANCELLED
    again = book(world, world.room, local(TUESDAY, 10), local(TUESDAY, 11),
                 member=f.make_member(world.network))
    assert again.status == BookingStatus.PENDING


def test_resource_block_refuses_overlapping_bookings_only(world):
    ResourceBlock.objects.create(network=world.network, resource=world.desks,
                                 start=local(TUESDAY, 9), end=local(TUESDAY, 13),
                                 reason="maintenance")

    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "blocked", "Open space Autrans est indisponible sur ce créneau "
                              "(maintenance).")
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 18)),
                   "blocked")
    assert_refused(lambda: staff_book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "blocked")
    afternoon = book(world, world.desks, local(TUESDAY, 13), local(TUESDAY, 18))
    assert afternoon.status == BookingStatus.CONFIRMED


def test_resource_block_without_reason(world):
    ResourceBlock.objects.create(network=world.network, resource=world.room,
                                 start=local(TUESDAY, 10), end=local(TUESDAY, 12))
    assert_refused(lambda: book(world, world.room, local(TUESDAY, 11, 30), local(TUESDAY, 13)),
                   "blocked", "Salle de réunion est indisponible sur ce créneau.")


def test_inactive_resource_or_site_is_refused(world):
    world.office.is_active = False
    world.office.save()
    assert_refused(lambda: staff_book(world, world.office, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "inactive", "Bureau fermé n'est pas ouvert à la réservation.")

    world.site.is_active = False
    world.site.save()
    world.desks.refresh_from_db()
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13)),
                   "inactive", "Open space Autrans n'est pas ouvert à la réservation.")


def test_member_of_another_network_is_refused(world):
    # The concierge of network B is a member of network B only.
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                member=world.concierge_b),
                   "wrong_network", "Cette personne n'est pas membre de ce réseau.")
    # Not even network A's concierge may book them in.
    assert_refused(lambda: staff_book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                      member=world.concierge_b),
                   "wrong_network")


def test_seats_beyond_capacity_are_refused(world):
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                seats=9),
                   "seats", "Open space Autrans ne compte que 8 place(s).")
    assert_refused(lambda: book(world, world.office, local(TUESDAY, 9), local(TUESDAY, 13),
                                seats=2),
                   "seats", "Nombre de places invalide.")
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                seats=0),
                   "seats", "Nombre de places invalide.")
    team = book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13), seats=8)
    assert team.seats == 8
    assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 18)),
                   "taken", "Complet : plus aucune place libre dans Open space Autrans sur ce "
                            "créneau.")


def test_pooled_refusal_says_how_many_seats_remain(world):
    book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13), seats=6)
    err = assert_refused(lambda: book(world, world.desks, local(TUESDAY, 9), local(TUESDAY, 13),
                                      seats=3),
                         "taken", "Il ne reste que 2 place(s) libre(s) dans Open space Autrans "
                                  "sur ce créneau.")
    # The nearest alternative is the same seats in the afternoon.
    first = err.alternatives[0]
    assert (first.resource, first.start, first.end) == (world.desks, local(TUESDAY, 13),
                                                         local(TUESDAY, 18))


# --- Daylight saving time ---------------------------------------------------------------------

@pytest.fixture
def open_on_sundays(world):
    """DST changes fall on Sundays: open Autrans on Sundays 09:00-18:00."""
    OpeningHours.objects.create(network=world.network, site=world.site, weekday=6,
                                opens=dt.time(9), closes=dt.time(18))


@pytest.mark.parametrize(("day", "now", "morning_utc", "room_utc"), [
    # 29 March 2026: 02:00 CET becomes 03:00 CEST (UTC+2).
    (dt.date(2026, 3, 29), dt.datetime(2026, 3, 2, 8, tzinfo=PARIS),
     (utc(2026, 3, 29, 7), utc(2026, 3, 29, 11)), (utc(2026, 3, 29, 14), utc(2026, 3, 29, 15))),
    # 25 October 2026: 03:00 CEST becomes 02:00 CET (UTC+1).
    (dt.date(2026, 10, 25), dt.datetime(2026, 10, 1, 8, tzinfo=PARIS),
     (utc(2026, 10, 25, 8), utc(2026, 10, 25, 12)), (utc(2026, 10, 25, 15), utc(2026, 10, 25, 16))),
])
def test_dst_days_store_the_right_utc_instants(world, open_on_sundays, day, now, morning_utc,
                                               room_utc):
    morning = book(world, world.desks, local(day, 9), local(day, 13), now=now)
    room = book(world, world.room, local(day, 16), local(day, 17), now=now)

    morning.refresh_from_db()
    room.refresh_from_db()
    assert (morning.start, morning.end) == morning_utc
    assert (room.start, room.end) == room_utc
    assert morning.start.astimezone(PARIS).time() == dt.time(9)
    # The morning lasts four real hours even on the 23- and 25-hour days.
    assert morning.end - morning.start == dt.timedelta(hours=4)


@pytest.mark.parametrize(("first", "until", "now", "utc_hours"), [
    # Thursdays around 29 March: CET (09:00 = 08:00 UTC), then CEST (09:00 = 07:00 UTC).
    (dt.date(2026, 3, 19), dt.date(2026, 4, 9), dt.datetime(2026, 3, 2, 8, tzinfo=PARIS),
     [8, 8, 7, 7]),
    # Tuesdays around 25 October: CEST, then CET.
    (dt.date(2026, 10, 13), dt.date(2026, 11, 3), dt.datetime(2026, 10, 1, 8, tzinfo=PARIS),
     [7, 7, 8, 8]),
])
def test_weekly_series_across_dst_keeps_nine_local(world, first, until, now, utc_hours):
    report = book_recurring(world.member, world.office, first_date=first, until=until,
                            weekdays={first.weekday()}, slot="morning",
                            actor=world.member.user, now=now)

    assert report.failed == []
    assert [b.start.astimezone(PARIS).time() for b in report.booked] == [dt.time(9)] * 4
    assert [b.end.astimezone(PARIS).time() for b in report.booked] == [dt.time(13)] * 4
    stored = Booking.objects.filter(series=report.series).order_by("start")
    assert [(b.start.hour, b.start.tzinfo) for b in stored] == [(h, dt.UTC) for h in utc_hours]
    assert [b.start.date() for b in stored] == [first + dt.timedelta(weeks=i) for i in range(4)]
