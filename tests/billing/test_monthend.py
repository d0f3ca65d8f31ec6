"""The month-end run (billing/services/monthend.py): what it invoices, to whom, exactly once."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from billing.models import (
    Consumption,
    Invoice,
    InvoiceStatus,
    Membership,
    Pass,
    PassPurchase,
    Quota,
    QuotaUsage,
    Subscription,
    TicketWallet,
)
from billing.services import monthend
from billing.services.ledger import verify_ledger
from billing.services.monthend import run_month_end
from tests import factories as f
from tests.billing import holdings_factories as h
from tests.conftest import NOW

pytestmark = pytest.mark.django_db
d = dt.date
OCT = (d(2026, 10, 1), d(2026, 10, 31))
NOV = (d(2026, 11, 1), d(2026, 11, 30))


def run(network, period=OCT, *, preview=False, **kw):
    return run_month_end(network, *period, preview=preview, actor=None, now=NOW, **kw)


def lines_of(invoice):
    return [(line.label, line.net) for line in invoice.lines.order_by("position")]


@pytest.fixture
def catalogue(billed):
    n = billed.network
    billed.plan = h.make_plan(n, "Mensuel 2 jours", "100.00")
    billed.day_pass = Pass.objects.create(network=n, name="Journée", duration="day",
                                          price=D("20.00"))
    billed.book = h.book(n, price="90.00")
    billed.quota = Quota.objects.create(network=n, name="Impressions", unit_label="pages",
                                        included_per_month=100, overage_price=D("0.05"))
    return billed


def test_member_invoice_holds_every_kind_of_item_with_exact_amounts(catalogue):
    w, m = catalogue, catalogue.member
    sub = h.subscribe(m, w.plan, d(2026, 10, 15))
    h.consumption(m, w.desks, d(2026, 10, 6), "20.00")
    h.consumption(m, w.desks, d(2026, 10, 7), "10.00", half_days=1)
    h.consumption(m, w.desks, d(2026, 10, 8), "12.00", source="overage", half_days=1)
    reversed_row = h.consumption(m, w.desks, d(2026, 10, 9), "20.00",
                                 reversed_at=timezone.now())
    november_row = h.consumption(m, w.desks, d(2026, 11, 3), "20.00")
    h.pass_purchase(m, w.day_pass, d(2026, 10, 20), site=w.site)
    h.wallet(m, w.book, d(2026, 10, 2))
    QuotaUsage.objects.create(network=w.network, member=m, quota=w.quota,
                              used_on=d(2026, 10, 12), quantity=130)
    QuotaUsage.objects.create(network=w.network, member=m, quota=w.quota,
                              used_on=d(2026, 10, 20), quantity=50)

    summary = run(w.network)

    assert summary["invoices"] == 1 and summary["errors"] == []
    invoice = Invoice.objects.get(buyer_member=m)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == "VER-2026-000001"
    assert invoice.issue_date == d(2026, 10, 31)
    assert (invoice.service_start, invoice.service_end) == OCT
    assert lines_of(invoice) == [
        ("Mensuel 2 jours — du 15/10/2026 au 31/10/2026 (17 j facturés sur 31)", D("54.84")),
        ("Réservations à l'usage — Autrans — 2 jours (3 demi-journées)", D("30.00")),
        ("Dépassement d'abonnement — Autrans — 1 jour (1 demi-journée)", D("12.00")),
        ("Pass Journée — du 20/10/2026 au 20/10/2026", D("20.00")),
        ("Carnet 10 demi-journées (10 tickets) — acheté le 02/10/2026, valable jusqu'au "
         "31/03/2027", D("90.00")),
        # 180 pages, 100 included: 80 × 0.05
        ("Impressions — 180 pages dont 100 inclus : 80 au-delà", D("4.00")),
    ]
    assert invoice.total_net == D("210.84") == D(summary["total_net"])
    sub.refresh_from_db()
    assert sub.invoiced_through == d(2026, 10, 31)
    assert Consumption.objects.filter(invoice_line__invoice=invoice).count() == 3
    reversed_row.refresh_from_db()
    november_row.refresh_from_db()
    assert reversed_row.invoice_line is None and november_row.invoice_line is None
    assert PassPurchase.objects.get().invoice == invoice
    assert TicketWallet.objects.get().invoice == invoice
    assert not QuotaUsage.objects.filter(invoice_line__isnull=True).exists()
    assert verify_ledger(w.network)[1] == []


def test_running_the_same_month_twice_invoices_nothing_twice(catalogue):
    w, m = catalogue, catalogue.member
    h.subscribe(m, w.plan, d(2026, 10, 1))
    h.consumption(m, w.desks, d(2026, 10, 6), "20.00")
    h.pass_purchase(m, w.day_pass, d(2026, 10, 20))
    h.wallet(m, w.book, d(2026, 10, 2))
    QuotaUsage.objects.create(network=w.network, member=m, quota=w.quota,
                              used_on=d(2026, 10, 12), quantity=150)
    h.fee(w.network)
    first = run(w.network)
    assert first["invoices"] == 1
    second = run(w.network)
    assert second["invoices"] == 0 and second["accounts"] == [] and second["errors"] == []
    assert Invoice.objects.count() == 1
    # Something new in the month is invoiced alone on the next run: only the difference
    # of the quota (150 -> 170 pages: 20 more beyond the 100 included).
    h.consumption(m, w.desks, d(2026, 10, 27), "10.00", half_days=1)
    QuotaUsage.objects.create(network=w.network, member=m, quota=w.quota,
                              used_on=d(2026, 10, 28), quantity=20)
    third = run(w.network)
    assert third["invoices"] == 1
    latest = Invoice.objects.order_by("-pk").first()
    assert [net for _label, net in lines_of(latest)] == [D("10.00"), D("1.00")]
    assert verify_ledger(w.network)[1] == []


def test_preview_computes_the_same_lines_and_totals_without_writing(catalogue):
    w, m = catalogue, catalogue.member
    other = f.make_member(w.network, f.make_user("autre@example.org", first_name="Lou",
                                                 last_name="Petit"))
    sub = h.subscribe(m, w.plan, d(2026, 10, 15))
    h.consumption(other, w.desks, d(2026, 10, 6), "20.00")
    h.fee(w.network, price="15.00")
    preview = run(w.network, preview=True)
    assert Invoice.objects.count() == 0 and not Membership.objects.exists()
    sub.refresh_from_db()
    assert sub.invoiced_through is None
    assert not Consumption.objects.filter(invoice_line__isnull=False).exists()
    real = run(w.network)
    assert preview["invoices"] == real["invoices"] == 2
    assert preview["total_net"] == real["total_net"] == "104.84"  # 54.84 + 20 + 2 × 15
    assert [(a["account"], a["net"]) for a in preview["accounts"]] == [
        (a["account"], a["net"]) for a in real["accounts"]]
    assert [line["label"] for line in preview["accounts"][0]["detail"]] == [
        "Mensuel 2 jours — du 15/10/2026 au 31/10/2026 (17 j facturés sur 31)",
        "Adhésion — du 01/10/2026 au 31/12/2026"]


def test_employer_gets_one_invoice_with_usage_per_employee_and_site(catalogue):
    w = catalogue
    org = w.organisation
    account = h.employer(org, pays_passes=False, purchase_order="BC-42")
    alice = f.make_member(w.network, f.make_user("alice@example.org", first_name="Alice",
                                                 last_name="Bernard"), organisation=org)
    bruno = f.make_member(w.network, f.make_user("bruno@example.org", first_name="Bruno",
                                                 last_name="Roux"), organisation=org)
    villard = w.other_site.resources.first()
    h.subscribe(alice, w.plan, d(2026, 10, 1), home_site=w.site)
    h.consumption(alice, w.desks, d(2026, 10, 6), "20.00")
    h.consumption(bruno, w.desks, d(2026, 10, 7), "20.00")
    h.consumption(bruno, villard, d(2026, 10, 8), "10.00", half_days=1)
    # Not paid by the account (pays_passes is off): on Bruno's own invoice.
    h.pass_purchase(bruno, w.day_pass, d(2026, 10, 9))
    # An explicit payer: the member (not an employee) has it paid by the organisation.
    h.consumption(w.member, w.desks, d(2026, 10, 10), "20.00", payer_organisation=org)
    h.consumption(w.member, w.desks, d(2026, 10, 13), "10.00", half_days=1)

    summary = run(w.network)

    assert summary["errors"] == [] and summary["invoices"] == 3
    invoice = Invoice.objects.get(buyer_organisation=org)
    assert invoice.buyer_is_business and invoice.buyer_siret == "98765432100011"
    assert invoice.recovery_indemnity == D("40.00")
    assert [(line.member, line.site, line.label, line.net)
            for line in invoice.lines.order_by("position")] == [
        (alice, w.site, "Alice Bernard — Mensuel 2 jours — du 01/10/2026 au 31/10/2026",
         D("100.00")),
        (alice, w.site, "Alice Bernard — Réservations à l'usage — Autrans — 1 jour "
                        "(2 demi-journées)", D("20.00")),
        (bruno, w.site, "Bruno Roux — Réservations à l'usage — Autrans — 1 jour "
                        "(2 demi-journées)", D("20.00")),
        (bruno, w.other_site, "Bruno Roux — Réservations à l'usage — Villard-de-Lans — 1 jour "
                              "(1 demi-journée)", D("10.00")),
        (w.member, w.site, "Camille Martin — Réservations à l'usage — Autrans — 1 jour "
                           "(2 demi-journées)", D("20.00")),
    ]
    assert invoice.total_net == D("170.00")
    assert lines_of(Invoice.objects.get(buyer_member=bruno)) == [
        ("Pass Journée — du 09/10/2026 au 09/10/2026", D("20.00"))]
    assert lines_of(Invoice.objects.get(buyer_member=w.member)) == [
        ("Réservations à l'usage — Autrans — 1 jour (1 demi-journée)", D("10.00"))]
    assert not Invoice.objects.filter(buyer_member=alice).exists()
    # An inactive account pays nothing: the employees are invoiced themselves.
    account.is_active = False
    account.save()
    h.consumption(alice, w.desks, d(2026, 10, 29), "20.00")
    run(w.network)
    assert Invoice.objects.filter(buyer_member=alice).count() == 1


def test_one_failing_account_is_reported_and_the_others_are_invoiced(catalogue, monkeypatch):
    w = catalogue
    other = f.make_member(w.network, f.make_user("autre@example.org", first_name="Lou",
                                                 last_name="Petit"))
    h.subscribe(w.member, w.plan, d(2026, 10, 1))
    row = h.consumption(other, w.desks, d(2026, 10, 6), "20.00")
    real_draft = monthend.draft_invoice

    def failing(network, **kw):
        if kw["buyer_member"] == w.member:
            real_draft(network, **kw)
            raise RuntimeError("boom")  # after writing: must be rolled back
        return real_draft(network, **kw)

    monkeypatch.setattr(monthend, "draft_invoice", failing)
    summary = run(w.network)
    assert summary["errors"] == [{"account": "Camille Martin",
                                  "error": "Erreur interne pendant la facturation."}]
    assert summary["invoices"] == 1
    assert Invoice.objects.get().buyer_member == other
    assert Subscription.objects.get().invoiced_through is None  # rolled back
    row.refresh_from_db()
    assert row.invoice_line is not None
    monkeypatch.setattr(monthend, "draft_invoice", real_draft)
    assert run(w.network)["invoices"] == 1  # the failed account, on the next run
    assert Invoice.objects.count() == 2
    assert verify_ledger(w.network)[1] == []


def test_item_changed_during_the_run_fails_that_account_only(catalogue, monkeypatch):
    """A booking cancelled between reading and writing: the account is rolled back."""
    w = catalogue
    row = h.consumption(w.member, w.desks, d(2026, 10, 6), "20.00")
    real_draft = monthend.draft_invoice

    def cancel_then_draft(network, **kw):
        Consumption.objects.filter(pk=row.pk).update(reversed_at=timezone.now())
        return real_draft(network, **kw)

    monkeypatch.setattr(monthend, "draft_invoice", cancel_then_draft)
    summary = run(w.network)
    assert summary["invoices"] == 0 and len(summary["errors"]) == 1
    assert "relancez" in summary["errors"][0]["error"]
    assert not Invoice.objects.exists()


def test_membership_fee_is_invoiced_when_due_only(catalogue):
    w, m = catalogue, catalogue.member
    h.fee(w.network, price="20.00")  # calendar year
    h.subscribe(m, w.plan, d(2026, 10, 1))
    idle = f.make_member(w.network, f.make_user("idle@example.org"))
    run(w.network)
    membership = Membership.objects.get()
    assert (membership.member, membership.starts_on, membership.ends_on) == (
        m, d(2026, 10, 1), d(2026, 12, 31))
    assert membership.invoice_line.net == D("20.00")
    assert not Membership.objects.filter(member=idle).exists()  # nothing used, nothing owed
    run(w.network, NOV)
    assert Membership.objects.count() == 1
    assert [label for label, _net in lines_of(Invoice.objects.order_by("-pk").first())] == [
        "Mensuel 2 jours — du 01/11/2026 au 30/11/2026"]


def test_rolling_year_membership_and_price_group_fee(catalogue):
    from billing.models import PriceGroup

    w, m = catalogue, catalogue.member
    students = PriceGroup.objects.create(network=w.network, kind="student", name="Étudiants")
    h.fee(w.network, price="30.00", period="rolling_year")
    h.fee(w.network, price="10.00", period="rolling_year", price_group=students)
    h.in_group(m, students)
    h.consumption(m, w.desks, d(2026, 10, 6), "20.00")
    run(w.network)
    membership = Membership.objects.get()
    assert (membership.starts_on, membership.ends_on, membership.invoice_line.net) == (
        d(2026, 10, 1), d(2027, 9, 30), D("10.00"))


def test_members_are_read_in_chunks_with_the_same_result(catalogue):
    w = catalogue
    members = [f.make_member(w.network, f.make_user(f"m{i}@example.org")) for i in range(5)]
    for i, member in enumerate(members):
        h.consumption(member, w.desks, d(2026, 10, 6 + i), "20.00")
    calls = []
    preview = run(w.network, preview=True, chunk_size=2,
                  progress=lambda done, total: calls.append((done, total)))
    assert preview["invoices"] == 5
    total = len(members) + 3  # the world's member, concierge and coordinator too
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert len(calls) == 1 + (total + 1) // 2
    real = run(w.network, chunk_size=2)
    assert real["invoices"] == 5
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"VER-2026-00000{i}" for i in range(1, 6)]


def test_another_networks_rows_are_never_invoiced(catalogue):
    w = catalogue
    b_member = f.make_member(w.network_b, f.make_user("gers@example.org"))
    h.consumption(b_member, w.site_b.resources.first(), d(2026, 10, 6), "20.00")
    summary = run(w.network)
    assert summary["invoices"] == 0 and not Invoice.objects.exists()


def test_free_month_and_fully_paused_month_issue_no_invoice_but_move_on(catalogue):
    w, m = catalogue, catalogue.member
    sub = h.subscribe(m, w.plan, d(2026, 9, 1), invoiced_through=d(2026, 9, 30))
    h.pause(sub, d(2026, 10, 1), d(2026, 10, 31))
    summary = run(w.network)
    assert summary["invoices"] == 0 and not Invoice.objects.exists()
    sub.refresh_from_db()
    assert sub.invoiced_through == d(2026, 10, 31)


def test_run_refuses_a_period_that_ends_before_it_starts(catalogue):
    from billing.errors import BillingError

    with pytest.raises(BillingError):
        run(catalogue.network, (d(2026, 10, 31), d(2026, 10, 1)))


def test_management_command_previews_and_runs(catalogue):
    from io import StringIO

    from django.core.management import CommandError, call_command

    w = catalogue
    h.subscribe(w.member, w.plan, d(2026, 10, 15))
    out = StringIO()
    call_command("month_end", "vercors", "--month", "2026-10", "--preview", stdout=out)
    assert "vercors 2026-10 : 1 facture(s) à émettre, 54.84 € HT" in out.getvalue()
    assert not Invoice.objects.exists()
    out = StringIO()
    call_command("month_end", "vercors", "--month", "2026-10", stdout=out)
    assert "VER-2026-000001\tCamille Martin\t1\t54.84\t54.84" in out.getvalue()
    assert Invoice.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("month_end", "vercors", "--month", "2026-13")
    with pytest.raises(CommandError):
        call_command("month_end", "nowhere", "--month", "2026-10")


@pytest.fixture
def _unlink_invoice_lines():
    """After a transactional test: the billing conftest empties invoice lines (guards
    lifted); rows pointing at them go first."""
    yield
    Consumption.objects.all().delete()
    Membership.objects.all().delete()
    QuotaUsage.objects.all().delete()
    PassPurchase.objects.update(invoice=None)
    TicketWallet.objects.update(invoice=None)


@pytest.mark.django_db(transaction=True)
def test_several_workers_write_accounts_at_once_without_gap_or_double(billed,
                                                                     _unlink_invoice_lines):
    """Each worker has its own connection and transaction; numbering and ledger stay
    serialised by their locks."""
    w = billed
    plan = h.make_plan(w.network, "Mensuel", "100.00")
    members = [f.make_member(w.network, f.make_user(f"w{i}@example.org")) for i in range(12)]
    for i, member in enumerate(members):
        h.subscribe(member, plan, d(2026, 10, 1 + i))
        h.consumption(member, w.desks, d(2026, 10, 20), "20.00")
    preview = run(w.network, preview=True)
    summary = run(w.network, workers=3, chunk_size=5)
    assert summary["errors"] == [] and summary["invoices"] == 12
    assert summary["total_net"] == preview["total_net"]
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"VER-2026-{i:06d}" for i in range(1, 13)]
    assert verify_ledger(w.network) == (12, [])
    assert run(w.network, workers=3)["invoices"] == 0
    assert not Consumption.objects.filter(invoice_line__isnull=True).exists()
