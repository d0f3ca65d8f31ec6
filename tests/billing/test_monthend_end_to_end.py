"""End to end: bookings through the booking service -> consumption (billing.services.
consumption, wired by the holdings work) -> the month-end invoice."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.models import Consumption, Invoice, UnitPrice
from billing.services.ledger import verify_ledger
from billing.services.monthend import run_month_end
from bookings.services import book_resource, cancel_booking
from tests import factories as f
from tests.billing import holdings_factories as h
from tests.conftest import NOW, PARIS, local

pytestmark = pytest.mark.django_db
TUE, WED, THU = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 26)
DECEMBER = dt.datetime(2026, 12, 1, 8, tzinfo=PARIS)


def test_bookings_become_lines_of_the_members_and_the_employers_invoices(billed):
    w = billed
    for unit, price in (("half_day", "10.00"), ("day", "20.00")):
        UnitPrice.objects.create(network=w.network, resource_kind="open_space", unit=unit,
                                 price=D(price), vat_rate=D("20.00"))
    h.employer(w.organisation)
    employee = f.make_member(w.network, f.make_user("salarie@example.org", first_name="Inès",
                                                    last_name="Morel"),
                             organisation=w.organisation)
    day = book_resource(w.member, w.desks, start=local(TUE, 9), end=local(TUE, 18),
                        actor=w.member.user, now=NOW)
    book_resource(w.member, w.desks, start=local(WED, 9), end=local(WED, 13),
                  actor=w.member.user, now=NOW)
    cancelled = book_resource(w.member, w.desks, start=local(THU, 9), end=local(THU, 13),
                              actor=w.member.user, now=NOW)
    cancel_booking(cancelled, actor=w.member.user, now=NOW)
    book_resource(employee, w.desks, start=local(TUE, 13), end=local(TUE, 18),
                  actor=employee.user, now=NOW)
    assert Consumption.objects.filter(booking=day, source="payg").get().amount == D("20.00")

    summary = run_month_end(w.network, dt.date(2026, 11, 1), dt.date(2026, 11, 30),
                            preview=False, actor=None, now=DECEMBER)

    assert summary["errors"] == [] and summary["invoices"] == 2
    own = Invoice.objects.get(buyer_member=w.member)
    assert own.issue_date == dt.date(2026, 11, 30)
    assert [(line.label, line.net) for line in own.lines.all()] == [
        ("Réservations à l'usage — Autrans — 2 jours (3 demi-journées)", D("30.00"))]
    employer = Invoice.objects.get(buyer_organisation=w.organisation)
    assert [(line.member, line.site, line.label, line.net) for line in employer.lines.all()] == [
        (employee, w.site, "Inès Morel — Réservations à l'usage — Autrans — 1 jour "
                           "(1 demi-journée)", D("10.00"))]
    assert not Consumption.objects.filter(reversed_at__isnull=True,
                                          invoice_line__isnull=True).exists()
    assert verify_ledger(w.network)[1] == []
    again = run_month_end(w.network, dt.date(2026, 11, 1), dt.date(2026, 11, 30),
                          preview=False, actor=None, now=DECEMBER)
    assert again["invoices"] == 0
