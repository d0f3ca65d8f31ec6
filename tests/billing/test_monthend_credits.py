"""Credits issued by the month-end run for what changed after it was invoiced
(billing/services/credits.py): bookings cancelled or refused after their charge was invoiced,
subscriptions ended, paused or replaced after their days were invoiced."""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing.models import Consumption, Invoice, InvoiceKind, Subscription
from billing.services import holdings as svc
from billing.services.ledger import verify_ledger
from billing.services.monthend import run_month_end
from bookings.services import cancel_booking
from core.money import money
from tests import factories as f
from tests.billing import holdings_factories as h
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
d = dt.date
OCT = (d(2026, 10, 1), d(2026, 10, 31))
NOV = (d(2026, 11, 1), d(2026, 11, 30))


def run(network, period=OCT, *, preview=False, now=NOW):
    return run_month_end(network, *period, preview=preview, actor=None, now=now)


def credit_notes(**kw):
    return list(Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, **kw).order_by("pk"))


def note_lines(note):
    return [(line.label, line.net) for line in note.lines.order_by("position")]


@pytest.fixture
def plan(billed):
    return h.make_plan(billed.network, "Mensuel 2 jours", "100.00")


@pytest.fixture
def staff(billed):
    return billed.concierge.user


def test_booking_cancelled_after_invoicing_is_credited_exactly_once(billed):
    w, m = billed, billed.member
    # November, run on the 23rd: the 27th is upcoming and already invoiced.
    kept = h.consumption(m, w.desks, d(2026, 11, 26), "20.00")
    cancelled = h.consumption(m, w.desks, d(2026, 11, 27), "10.00", half_days=1)
    assert run(w.network, NOV)["invoices"] == 1
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE, buyer_member=m)
    assert invoice.total_gross == D("30.00")

    cancel_booking(cancelled.booking, actor=w.concierge.user, by_staff=True, now=NOW,
                   notify=False)
    preview = run(w.network, NOV, preview=True)
    assert credit_notes() == []  # a preview writes nothing
    assert [(c["account"], c["gross"], c["credited"]) for c in preview["credits"]] == [
        (m.display_name, "-10.00", [invoice.number])]

    summary = run(w.network, NOV)
    assert summary["errors"] == [] and summary["credit_notes"] == 1
    assert summary["invoices"] == 0 and summary["credited_gross"] == "10.00"
    [note] = credit_notes()
    assert note.credited_invoice == invoice and note.is_issued and note.buyer_member == m
    assert note.total_net == note.total_gross == D("10.00")
    [(label, net)] = note_lines(note)
    assert net == D("10.00") and label.startswith("Annulé après facturation (27/11) — ")
    cancelled.refresh_from_db()
    kept.refresh_from_db()
    assert cancelled.credit_line.invoice == note and kept.credit_line is None

    again = run(w.network, NOV)
    assert again["credit_notes"] == 0 and again["credits"] == [] and again["invoices"] == 0
    assert len(credit_notes()) == 1
    count, problems = verify_ledger(w.network)
    assert problems == [] and count == 2


def test_subscription_ended_after_its_month_was_invoiced_credits_the_days_not_due(
        billed, plan, staff):
    w, m = billed, billed.member
    sub = h.subscribe(m, plan, d(2026, 10, 1), home_site=w.site)
    run(w.network)
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE)
    assert invoice.total_net == D("100.00")

    svc.end_subscription(sub, ends_on=d(2026, 10, 10), actor=staff, now=NOW)
    sub.refresh_from_db()
    assert sub.recheck_from == d(2026, 10, 11)

    summary = run(w.network, NOV)
    assert summary["errors"] == [] and summary["credit_notes"] == 1
    [note] = credit_notes(credited_invoice=invoice)
    # October cost 10/31 of the month; the 21 other days are given back.
    assert note.total_net == D("100.00") - money(D("100.00") * 10 / 31) == D("67.74")
    [(label, net)] = note_lines(note)
    assert label.startswith("Régularisation Mensuel 2 jours — du 01/10/2026 au 31/10/2026")
    sub.refresh_from_db()
    assert sub.invoiced_through == d(2026, 10, 10) and sub.recheck_from is None
    # Nothing more to invoice for it, nothing more to credit.
    assert Invoice.objects.filter(kind=InvoiceKind.INVOICE).count() == 1
    assert run(w.network, NOV)["credit_notes"] == 0
    assert len(credit_notes()) == 1
    assert verify_ledger(w.network)[1] == []


def test_pause_recorded_after_invoicing_credits_the_paused_days(billed, plan, staff):
    w, m = billed, billed.member
    sub = h.subscribe(m, plan, d(2026, 10, 1), home_site=w.site)
    run(w.network)
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE)

    svc.pause_subscription(sub, starts_on=d(2026, 10, 20), ends_on=d(2026, 10, 31),
                           actor=staff, now=NOW)
    summary = run(w.network, NOV)
    assert summary["errors"] == [] and summary["credit_notes"] == 1
    [note] = credit_notes(credited_invoice=invoice)
    assert note.total_net == D("100.00") - money(D("100.00") * 19 / 31) == D("38.71")
    sub.refresh_from_db()
    assert sub.invoiced_through == d(2026, 11, 30) and sub.recheck_from is None
    november = Invoice.objects.filter(kind=InvoiceKind.INVOICE).exclude(pk=invoice.pk).get()
    assert november.total_net == D("100.00")  # November is not touched
    assert run(w.network, NOV)["credit_notes"] == 0
    assert verify_ledger(w.network)[1] == []


def test_change_of_plan_after_invoicing_credits_the_old_plan_and_charges_the_new(
        billed, plan, staff):
    w, m = billed, billed.member
    bigger = h.make_plan(w.network, "Illimité", "200.00")
    sub = h.subscribe(m, plan, d(2026, 10, 1), home_site=w.site)
    run(w.network)
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE)

    new = svc.change_plan(sub, bigger, on=d(2026, 10, 22), actor=staff, now=NOW)
    run(w.network, OCT)
    [note] = credit_notes(credited_invoice=invoice)
    assert note.total_net == D("100.00") - money(D("100.00") * 21 / 31)
    catch_up = Invoice.objects.filter(kind=InvoiceKind.INVOICE).exclude(pk=invoice.pk).get()
    assert catch_up.total_net == money(D("200.00") * 10 / 31)
    new.refresh_from_db()
    sub.refresh_from_db()
    assert new.invoiced_through == d(2026, 10, 31)
    assert sub.invoiced_through == d(2026, 10, 21) and sub.recheck_from is None


def test_employer_account_gets_the_credit_note_of_its_invoice(billed, plan, staff):
    w = billed
    org = w.organisation
    h.employer(org)
    alice = f.make_member(w.network, f.make_user("alice@example.org", first_name="Alice",
                                                 last_name="Bernard"), organisation=org)
    sub = h.subscribe(alice, plan, d(2026, 10, 1), home_site=w.site)
    booked = h.consumption(alice, w.desks, d(2026, 11, 27), "20.00")
    run(w.network, NOV)
    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE, buyer_organisation=org)
    assert invoice.total_net == D("220.00")  # October caught up, November, the booking

    svc.end_subscription(sub, ends_on=d(2026, 11, 15), actor=staff, now=NOW)
    cancel_booking(booked.booking, actor=w.concierge.user, by_staff=True, now=NOW,
                   notify=False)
    summary = run(w.network, NOV)
    assert summary["errors"] == [] and summary["credit_notes"] == 1
    [note] = credit_notes()
    assert note.credited_invoice == invoice and note.buyer_organisation == org
    assert note.buyer_is_business
    assert note.total_net == D("20.00") + D("100.00") - money(D("100.00") * 15 / 30)
    assert Consumption.objects.get(pk=booked.pk).credit_line.invoice == note
    assert Subscription.objects.get(pk=sub.pk).invoiced_through == d(2026, 11, 15)
    assert run(w.network, NOV)["credit_notes"] == 0
    assert verify_ledger(w.network)[1] == []


def test_a_change_before_anything_was_invoiced_needs_no_credit(billed, plan, staff):
    w, m = billed, billed.member
    sub = h.subscribe(m, plan, d(2026, 10, 1), home_site=w.site)
    svc.end_subscription(sub, ends_on=d(2026, 10, 10), actor=staff, now=NOW)
    sub.refresh_from_db()
    assert sub.recheck_from is None
    run(w.network)
    assert credit_notes() == []
    assert Invoice.objects.get().total_net == money(D("100.00") * 10 / 31)
