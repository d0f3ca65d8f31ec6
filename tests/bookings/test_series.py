"""Recurring series (date by date, failures reported) and date ranges (all or nothing).

Now is Monday 23 November 2026, 08:00 in Paris; Autrans opens Monday to Friday 09:00-18:00.
"""

import datetime as dt

import pytest
from django.core import mail

from bookings.errors import BookingError
from bookings.models import Booking, BookingSeries, BookingStatus
from bookings.services import MAX_SERIES_OCCURRENCES, book_date_range, book_recurring
from core.models import AuditLog
from places.models import OpeningException
from tests import factories as f
from tests.bookings.integrity import assert_refused, book, utc
from tests.conftest import NOW, PARIS, local

TUESDAYS = [dt.date(2026, 12, 1) + dt.timedelta(weeks=i) for i in range(14)]  # to 2 March 2027


@pytest.fixture
def office(world):
    world.office.max_advance_days = 120  # the whole winter is bookable
    world.office.save()
    return world.office


@pytest.fixture
def christmas_closure(world):
    return OpeningException.objects.create(
        network=world.network, site=world.site, start_date=dt.date(2026, 12, 24),
        end_date=dt.date(2027, 1, 1), reason="congés de fin d'année")


def every_tuesday_morning(world, resource, **kwargs):
    kwargs.setdefault("actor", world.member.user)
    return book_recurring(world.member, resource, first_date=dt.date(2026, 12, 1),
                          until=dt.date(2027, 3, 2), weekdays={1}, slot="morning", now=NOW,
                          **kwargs)


def test_every_tuesday_until_march_reports_closure_and_full_date(
        world, office, christmas_closure, django_capture_on_commit_callbacks):
    taken_day = dt.date(2027, 1, 12)
    neighbour = f.make_member(world.network)
    book(world, office, local(taken_day, 9), local(taken_day, 13), member=neighbour)

    with django_capture_on_commit_callbacks(execute=True):
        report = every_tuesday_morning(world, office)

    assert report.failed == [
        (dt.date(2026, 12, 29), "Autrans est fermé ce jour-là (congés de fin d'année)."),
        (taken_day, "Déjà réservé : Bureau fermé est pris sur ce créneau. Alternatives libres "
                    "les plus proches : Bureau fermé – mardi 12 janvier 2027, après-midi "
                    "(13:00–18:00) ; Bureau fermé – mercredi 13 janvier 2027, matin "
                    "(09:00–13:00) ; Bureau fermé – mercredi 13 janvier 2027, après-midi "
                    "(13:00–18:00)."),
    ]
    kept = [d for d in TUESDAYS if d not in (dt.date(2026, 12, 29), taken_day)]
    assert [b.start.astimezone(PARIS).date() for b in report.booked] == kept
    assert report.series.description == "chaque mardi du 2026-12-01 au 2027-03-02"
    mine = Booking.objects.filter(member=world.member).order_by("start")
    assert [(b.start, b.end) for b in mine] == [
        (local(d, 9).astimezone(dt.UTC), local(d, 13).astimezone(dt.UTC)) for d in kept]
    assert {b.series_id for b in mine} == {report.series.pk}
    assert {b.status for b in mine} == {BookingStatus.CONFIRMED}
    # The neighbour keeps their morning.
    assert Booking.objects.get(start=local(taken_day, 9)).member == neighbour
    # One summary e-mail for the whole series, not one per date.
    assert [m.to for m in mail.outbox] == [["membre@example.org"]]


def test_series_on_a_pooled_space_fails_only_where_it_is_full(world):
    day = dt.date(2026, 12, 8)
    for _ in range(8):
        book(world, world.desks, local(day, 13), local(day, 18), member=f.make_member(
            world.network))

    report = book_recurring(world.member, world.desks, first_date=dt.date(2026, 12, 1),
                            until=dt.date(2026, 12, 15), weekdays={1}, slot="afternoon",
                            actor=world.member.user, now=NOW)

    assert [(d, msg.split(" Alternatives")[0]) for d, msg in report.failed] == [
        (day, "Complet : plus aucune place libre dans Open space Autrans sur ce créneau.")]
    assert [b.start for b in report.booked] == [utc(2026, 12, 1, 12), utc(2026, 12, 15, 12)]


def test_series_of_which_no_date_can_be_booked_leaves_nothing(world, office, christmas_closure):
    before = AuditLog.objects.count()
    report = book_recurring(world.member, office, first_date=dt.date(2026, 12, 24),
                            until=dt.date(2027, 1, 1), weekdays={1, 3}, slot="day",
                            actor=world.member.user, now=NOW)

    assert report.series is None
    assert report.booked == []
    assert [d for d, _ in report.failed] == [dt.date(2026, 12, 24), dt.date(2026, 12, 29),
                                             dt.date(2026, 12, 31)]
    assert not Booking.objects.exists()
    assert not BookingSeries.objects.exists()
    assert AuditLog.objects.count() == before


def test_series_on_a_closed_weekday_reports_it(world):
    report = book_recurring(world.member, world.desks, first_date=dt.date(2026, 12, 1),
                            until=dt.date(2026, 12, 13), weekdays={6}, slot="morning",
                            actor=world.member.user, now=NOW)

    assert report.failed == [(dt.date(2026, 12, 6), "Autrans est fermé ce jour-là."),
                             (dt.date(2026, 12, 13), "Autrans est fermé ce jour-là.")]
    assert (report.series, report.booked) == (None, [])
    assert not BookingSeries.objects.exists()


@pytest.mark.parametrize(("first", "until", "weekdays", "message"), [
    (dt.date(2026, 12, 8), dt.date(2026, 12, 1), {1}, "La date de fin précède la date de début."),
    (dt.date(2026, 12, 2), dt.date(2026, 12, 3), {1}, "Aucune date ne correspond à cette "
                                                      "récurrence."),
    (dt.date(2026, 12, 1), dt.date(2026, 12, 1) + dt.timedelta(days=MAX_SERIES_OCCURRENCES),
     set(range(7)), f"Une série compte au plus {MAX_SERIES_OCCURRENCES} dates."),
])
def test_invalid_series_is_refused_before_anything_is_written(world, first, until, weekdays,
                                                              message):
    assert_refused(lambda: book_recurring(world.member, world.desks, first_date=first,
                                          until=until, weekdays=weekdays, slot="morning",
                                          actor=world.member.user, now=NOW),
                   "invalid_series", message)


# --- Date ranges ------------------------------------------------------------------------------

def test_date_range_books_every_open_day_and_reports_the_weekend(world):
    report = book_date_range(world.member, world.desks, first_date=dt.date(2026, 11, 26),
                             last_date=dt.date(2026, 12, 1), actor=world.member.user, now=NOW)

    assert report.failed == [(dt.date(2026, 11, 28), "fermé"), (dt.date(2026, 11, 29), "fermé")]
    days = [dt.date(2026, 11, 26), dt.date(2026, 11, 27), dt.date(2026, 11, 30),
            dt.date(2026, 12, 1)]
    stored = Booking.objects.filter(series=report.series).order_by("start")
    assert [(b.start, b.end) for b in stored] == [
        (local(d, 9).astimezone(dt.UTC), local(d, 18).astimezone(dt.UTC)) for d in days]
    assert report.series.description == "du 2026-11-26 au 2026-12-01"


def test_date_range_reports_a_closure_reason(world):
    OpeningException.objects.create(network=world.network, site=world.site,
                                    start_date=dt.date(2026, 11, 27),
                                    end_date=dt.date(2026, 11, 27), reason="travaux")
    report = book_date_range(world.member, world.desks, first_date=dt.date(2026, 11, 26),
                             last_date=dt.date(2026, 11, 30), actor=world.member.user, now=NOW,
                             seats=2)

    assert report.failed == [(dt.date(2026, 11, 27), "travaux"),
                             (dt.date(2026, 11, 28), "fermé"), (dt.date(2026, 11, 29), "fermé")]
    assert [(b.start.date(), b.seats) for b in report.booked] == [
        (dt.date(2026, 11, 26), 2), (dt.date(2026, 11, 30), 2)]


def test_date_range_is_all_or_nothing_on_a_conflict(world):
    neighbour = f.make_member(world.network)
    book(world, world.office, local(dt.date(2026, 11, 30), 13), local(dt.date(2026, 11, 30), 18),
         member=neighbour)

    err = assert_refused(
        lambda: book_date_range(world.member, world.office, first_date=dt.date(2026, 11, 26),
                                last_date=dt.date(2026, 12, 1), actor=world.member.user,
                                now=NOW),
        "taken", "Le 30/11/2026 : Déjà réservé : Bureau fermé est pris sur ce créneau.")
    assert err.alternatives  # still offered
    assert list(Booking.objects.values_list("member", flat=True)) == [neighbour.pk]


def test_date_range_is_all_or_nothing_when_a_pooled_day_is_full(world):
    day = dt.date(2026, 11, 27)
    book(world, world.desks, local(day, 9), local(day, 13), seats=7, member=f.make_member(
        world.network))

    assert_refused(
        lambda: book_date_range(world.member, world.desks, first_date=dt.date(2026, 11, 26),
                                last_date=dt.date(2026, 11, 27), actor=world.member.user,
                                now=NOW, seats=2),
        "taken", "Le 27/11/2026 : Il ne reste que 1 place(s) libre(s) dans Open space Autrans "
                 "sur ce créneau.")
    # One seat each day does fit.
    report = book_date_range(world.member, world.desks, first_date=dt.date(2026, 11, 26),
                             last_date=dt.date(2026, 11, 27), actor=world.member.user, now=NOW)
    assert len(report.booked) == 2


@pytest.mark.parametrize(("first", "last", "code", "message"), [
    (dt.date(2026, 11, 28), dt.date(2026, 11, 29), "closed",
     "Le lieu est fermé sur toute cette période."),
    (dt.date(2026, 11, 27), dt.date(2026, 11, 26), "invalid_series",
     "La date de fin précède la date de début."),
    (dt.date(2026, 11, 26), dt.date(2027, 1, 27), "invalid_series",
     "Une période compte au plus 62 jours."),
])
def test_invalid_date_range_writes_nothing(world, first, last, code, message):
    assert_refused(lambda: book_date_range(world.member, world.desks, first_date=first,
                                           last_date=last, actor=world.member.user, now=NOW),
                   code, message)


def test_date_range_rules_still_apply_to_each_day(world):
    # 90 days of advance: 21 February 2027 08:00 is the limit.
    with pytest.raises(BookingError) as err:
        book_date_range(world.member, world.desks, first_date=dt.date(2027, 2, 19),
                        last_date=dt.date(2027, 2, 22), actor=world.member.user, now=NOW)
    assert err.value.code == "too_far"
    assert err.value.message == ("Le 22/02/2027 : Trop loin dans le temps : Open space Autrans "
                                 "se réserve au plus 90 jours à l'avance.")
    assert not Booking.objects.exists()
    assert not BookingSeries.objects.exists()
